import { KubeConfig } from '@kubernetes/client-node';
import { ingressV2ConfigFromEnv } from './ingress-v2-config.js';
import { createIngressV2Controller } from './wiring.js';

/**
 * The Ingress v2 controller as its own process: `node dist/ingress-v2/main.js` (or
 * `kaas ingress-v2`). Reads the kubeconfig named by KUBECONFIG (or `--kubeconfig <path>`),
 * else the in-cluster service account; the cloud and the load balancer settings come from the
 * environment (see deploy/ingress-v2/README.md).
 */
function kubeConfig(argv: string[]): KubeConfig {
  const config = new KubeConfig();
  const flag = argv.indexOf('--kubeconfig');
  const path = flag >= 0 ? argv[flag + 1] : process.env.KUBECONFIG;
  if (path) config.loadFromFile(path);
  else config.loadFromCluster();
  return config;
}

export async function runIngressV2(argv: string[]): Promise<void> {
  const controller = createIngressV2Controller(kubeConfig(argv), ingressV2ConfigFromEnv());
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ level: 'info', msg: `${signal}: stopping` }));
    controller.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await controller.start();
}

if (process.argv[1]?.endsWith('ingress-v2/main.js')) {
  runIngressV2(process.argv.slice(2)).catch((error: unknown) => {
    console.error(JSON.stringify({ level: 'fatal', msg: String(error) }));
    process.exit(1);
  });
}
