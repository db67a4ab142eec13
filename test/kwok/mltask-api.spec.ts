import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createKaasClient, unwrap, type KaasClient, type Operation } from '../../sdk/src/index.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { TenantKubeClient } from '../../src/kube/tenant-client.js';
import { MLTaskController } from '../../src/mltask/mltask.controller.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { eventually } from '../support/http.js';

/** Status, problem and body of an SDK answer, whatever its outcome. */
async function answer<T>(call: Promise<{ data?: T; response?: Response }>) {
  const result = (await call) as { data?: T; error?: unknown; response?: Response };
  return {
    status: result.response!.status,
    location: result.response!.headers.get('location'),
    data: result.data,
    problem: result.error as { detail?: string; errors?: unknown[] } | undefined,
  };
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const spec = {
  image: 'ghcr.io/acme/train:1',
  command: ['python', 'train.py'],
  workers: 2,
  resources: { gpus: 1, gpuType: 'nvidia-l4' },
};

/**
 * MLTasks through the kaas API and SDK, on a kwok cluster kaas created: the routes reach the
 * tenant's API server with the provider's admin credentials after kaas checked the caller's role.
 */
describe('MLTasks through the kaas API', () => {
  let server: RunningServer;
  let kaas: KaasClient;
  let viewer: KaasClient;
  let workdir: string;
  let controller: MLTaskController | undefined;
  const project = 'default';
  const path = { project, cluster: 'ml' };

  const wait = (op: Operation) =>
    kaas.waitForOperation(project, op.id, { timeoutMs: 150_000, intervalMs: 250 });

  beforeAll(async () => {
    workdir = mkdtempSync(join(tmpdir(), 'kaas-mltask-api-'));
    server = await startServer(
      'all',
      testConfig({
        KAAS_PROVIDERS: 'fake,kwok',
        KAAS_KWOK_WORKDIR: workdir,
        KAAS_KWOK_BOOT_SECONDS: '1',
      }),
    );
    kaas = createKaasClient({ baseUrl: server.url, token: ADMIN_TOKEN });
    const token = await unwrap(
      kaas.createToken({ path: { project }, body: { name: 'reader', role: 'viewer' } }),
    );
    viewer = createKaasClient({ baseUrl: server.url, token: token.token });
    const op = await unwrap(
      kaas.createCluster({
        path: { project },
        body: {
          name: 'ml',
          spec: {
            provider: 'kwok',
            nodePools: [
              {
                name: 'gpu',
                replicas: 1,
                flavor: 'gpu-small',
                gpu: { count: 2, type: 'nvidia-l4' },
                taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
              },
            ],
            // MLTask comes later, through the add-on, once the 409 without it has been seen.
            addons: {
              'load-balancer': { enabled: false },
              'gpu-operator': { enabled: false },
              mltask: { enabled: false },
            },
          },
        },
      }),
    );
    expect((await wait(op as Operation)).status).toBe('Succeeded');
    await unwrap(
      kaas.createCluster({
        path: { project },
        body: { name: 'nokube', spec: { provider: 'fake' } },
      }),
    );
  });

  afterAll(async () => {
    await controller?.stop();
    const op = await kaas?.deleteCluster({ path });
    if (op?.data && 'id' in op.data) await wait(op.data as Operation).catch(() => undefined);
    await server?.close();
    rmSync(workdir, { recursive: true, force: true });
  });

  it('answers 409 until the GPU stack is installed, and on a cluster without an API server', async () => {
    const missing = await answer(kaas.createMlTask({ path, body: { name: 'early', spec } }));
    expect(missing.status).toBe(409);
    expect(missing.problem).toMatchObject({
      detail: expect.stringContaining('the GPU stack add-on is not installed in cluster "ml"'),
    });
    const listed = await answer(kaas.listMlTasks({ path }));
    expect(listed.status).toBe(409);

    const fake = await answer(
      kaas.createMlTask({
        path: { project, cluster: 'nokube' },
        body: { name: 'early', spec },
      }),
    );
    expect(fake.status).toBe(409);
    const unknown = await answer(
      kaas.getMlTask({ path: { project, cluster: 'nope', mltask: 'x' } }),
    );
    expect(unknown.status).toBe(404);
  });

  it('creates, lists, reads, shows logs of and deletes a task once the GPU stack is in', async () => {
    const { kubeconfig } = await unwrap(kaas.getKubeconfig({ path }));
    const tenant = await TenantKubeClient.fromKubeconfig(kubeconfig);
    // kaas installs the CRD and the controller's Deployment as the mltask add-on; kwok runs no
    // containers, so the controller itself runs here, in process, against the same API server.
    const enable = await unwrap(
      kaas.updateCluster({
        path: { project, cluster: 'ml' },
        body: { spec: { addons: { mltask: { enabled: true } } } },
      }),
    );
    expect((await wait(enable as Operation)).status).toBe('Succeeded');
    const status = await unwrap(kaas.getCluster({ path: { project, cluster: 'ml' } }));
    expect(status.status.addons?.find((a) => a.name === 'mltask')).toMatchObject({
      version: '0.1.0',
      phase: 'Healthy',
    });
    const deployment = await tenant.apps.readNamespacedDeployment({
      name: 'mltask-controller',
      namespace: 'kaas-mltask',
    });
    expect(deployment.metadata!.labels!['kaas.dev/addon']).toBe('mltask');
    const config = new KubeConfig();
    config.loadFromString(kubeconfig);
    controller = new MLTaskController(config, { resyncMs: 2_000, log: quiet });
    await controller.start();

    const created = await answer(kaas.createMlTask({ path, body: { name: 'train', spec } }));
    expect(created.status).toBe(201);
    expect(created.location).toBe(
      '/v1/projects/default/clusters/ml/mltasks/train?namespace=default',
    );
    expect(created.data).toMatchObject({ name: 'train', namespace: 'default' });

    const again = await answer(kaas.createMlTask({ path, body: { name: 'train', spec } }));
    expect(again.status).toBe(409);

    // kwok's default stages finish a Job's pods as soon as they run.
    const done = await eventually(
      () => unwrap(viewer.getMlTask({ path: { ...path, mltask: 'train' } })),
      (t) => t.status.phase === 'Succeeded',
      60_000,
    );
    expect(done.status.message).toBe('all 2 workers finished successfully');
    expect(done.status.workers.map((w) => w.node)).toEqual([
      expect.stringMatching(/^ml-gpu-/),
      expect.stringMatching(/^ml-gpu-/),
    ]);

    const list = await unwrap(viewer.listMlTasks({ path }));
    expect(list.items.map((t) => [t.namespace, t.name, t.status.phase])).toEqual([
      ['default', 'train', 'Succeeded'],
    ]);

    const logs = await unwrap(viewer.getMlTaskLogs({ path: { ...path, mltask: 'train' } }));
    expect(logs.kubectl).toBe(
      'kubectl logs --namespace default --selector ml.kaas.dev/task=train --container worker --prefix --follow',
    );
    expect(logs.workers.map((w) => [w.index, w.phase, w.exitCode])).toEqual([
      [0, 'Succeeded', 0],
      [1, 'Succeeded', 0],
    ]);
    for (const w of logs.workers) expect(w.log ?? w.logError).toBeDefined();

    const refused = await answer(viewer.deleteMlTask({ path: { ...path, mltask: 'train' } }));
    expect(refused.status).toBe(403);
    const deleted = await answer(kaas.deleteMlTask({ path: { ...path, mltask: 'train' } }));
    expect(deleted.status).toBe(204);
    await eventually(
      async () => (await answer(kaas.getMlTask({ path: { ...path, mltask: 'train' } }))).status,
      (status) => status === 404,
      30_000,
    );
    const gone = await answer(kaas.getMlTask({ path: { ...path, mltask: 'train' } }));
    expect(gone.problem).toMatchObject({
      detail: 'MLTask "default/train" not found in cluster "ml"',
    });
  });

  it('answers 422 naming the field for a spec the controller could not run, 403 to a viewer', async () => {
    const invalid = await answer(
      kaas.createMlTask({
        path,
        body: {
          name: 'bad',
          spec: { ...spec, resources: { gpus: 0, gpuType: 'nvidia-l4' } },
        },
      }),
    );
    expect(invalid.status).toBe(422);
    expect(invalid.problem).toMatchObject({
      errors: [{ field: 'spec.resources.gpuType', message: 'gpuType needs gpus of 1 or more' }],
    });
    const byViewer = await answer(viewer.createMlTask({ path, body: { name: 'mine', spec } }));
    expect(byViewer.status).toBe(403);
    const noNamespace = await answer(
      kaas.createMlTask({
        path,
        body: { name: 'elsewhere', namespace: 'no-such-ns', spec },
      }),
    );
    expect(noNamespace.status).toBe(404);
  });

  it('does the same from kaasctl, reading an MLTask manifest', async () => {
    const cli = join(process.cwd(), 'dist/cli/main.js');
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first`);
    const manifest = join(workdir, 'task.yaml');
    writeFileSync(
      manifest,
      [
        'apiVersion: ml.kaas.dev/v1alpha1',
        'kind: MLTask',
        'metadata: { name: from-cli }',
        'spec:',
        '  image: ghcr.io/acme/train:1',
        '  command: [python, train.py]',
        '  resources: { gpus: 2, gpuType: nvidia-l4 }',
      ].join('\n'),
    );
    const kaasctl = (...args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [cli, '--server', server.url, '--token', ADMIN_TOKEN, ...args],
          {
            env: { ...process.env, HOME: workdir, KAASCTL_CONFIG: join(workdir, 'kaasctl.yaml') },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });

    const created = await kaasctl('mltasks', 'create', 'ml', '-f', manifest);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^NAMESPACE\s+NAME\s+PHASE\s+READY\s+AGE\s+MESSAGE/);
    await eventually(
      () => unwrap(kaas.getMlTask({ path: { ...path, mltask: 'from-cli' } })),
      (t) => t.status.phase === 'Succeeded',
      60_000,
    );
    const list = await kaasctl('mltasks', 'list', 'ml');
    expect(list.stdout).toMatch(/default\s+from-cli\s+Succeeded\s+1\/1\s/);
    const logs = await kaasctl('mltask', 'logs', 'ml', 'from-cli', '--tail', '5');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain(
      'default/from-cli: Succeeded: all 1 worker finished successfully',
    );
    expect(logs.stdout).toMatch(
      /==> worker 0 \(from-cli-0-\w+, on ml-gpu-\S+, Succeeded, exit code 0\) <==/,
    );
    const deleted = await kaasctl('mltasks', 'delete', 'ml', 'from-cli');
    expect(deleted.stdout).toBe('mltask default/from-cli deleted\n');
    const missing = await kaasctl('mltasks', 'get', 'ml', 'nothing-here');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('MLTask "default/nothing-here" not found in cluster "ml"');
  });
});
