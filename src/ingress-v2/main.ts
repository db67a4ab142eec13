import { AdmissionregistrationV1Api, KubeConfig } from '@kubernetes/client-node';
import { GateWebhook } from './gate-webhook.js';
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

/** The MutatingWebhookConfiguration of deploy/ingress-v2/controller.yaml. */
const WEBHOOK_CONFIGURATION = 'kaas-ingress-v2';

export async function runIngressV2(argv: string[]): Promise<void> {
  const kube = kubeConfig(argv);
  const config = ingressV2ConfigFromEnv();
  const controller = createIngressV2Controller(kube, config);
  const webhook = config.webhook
    ? new GateWebhook(
        (pod, namespace) => controller.wantsGate(pod, namespace),
        kube.makeApiClient(AdmissionregistrationV1Api),
        {
          port: config.webhook.port,
          dnsNames: [config.webhook.serviceHost, `${config.webhook.serviceHost}.cluster.local`],
          configurationName: WEBHOOK_CONFIGURATION,
        },
      )
    : undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ level: 'info', msg: `${signal}: stopping` }));
    Promise.all([controller.stop(), webhook?.stop()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await controller.start();
  if (webhook) await webhook.start();
}

if (process.argv[1]?.endsWith('ingress-v2/main.js')) {
  runIngressV2(process.argv.slice(2)).catch((error: unknown) => {
    console.error(JSON.stringify({ level: 'fatal', msg: String(error) }));
    process.exit(1);
  });
}
