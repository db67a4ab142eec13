import { KubeConfig } from '@kubernetes/client-node';
import { MLTaskController } from './mltask.controller.js';

/**
 * The MLTask controller as its own process: `node dist/mltask/main.js`. It reads the
 * kubeconfig named by KUBECONFIG (or `--kubeconfig <path>`), else the in-cluster service
 * account. MLTASK_RESYNC_SECONDS sets how often every task is reconciled regardless of events.
 */
function loadConfig(argv: string[]): KubeConfig {
  const config = new KubeConfig();
  const flag = argv.indexOf('--kubeconfig');
  const path = flag >= 0 ? argv[flag + 1] : process.env.KUBECONFIG;
  if (path) config.loadFromFile(path);
  else config.loadFromCluster();
  return config;
}

function resyncMs(): number {
  const seconds = Number(process.env.MLTASK_RESYNC_SECONDS ?? '60');
  if (!Number.isFinite(seconds) || seconds < 1)
    throw new Error('MLTASK_RESYNC_SECONDS must be a number of seconds, 1 or more');
  return seconds * 1000;
}

async function main(): Promise<void> {
  const controller = new MLTaskController(loadConfig(process.argv.slice(2)), {
    resyncMs: resyncMs(),
  });
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

main().catch((error: unknown) => {
  console.error(JSON.stringify({ level: 'fatal', msg: String(error) }));
  process.exit(1);
});
