import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  BatchV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { TenantKubeClient } from '../../src/kube/tenant-client.js';
import { applyManifests } from '../../src/kube/apply.js';
import { kubeStatus } from '../../src/kube/kube-errors.js';
import { nodeFor } from '../../src/providers/kwok/node-template.js';
import { nodePoolSpecSchema } from '../../src/domain/cluster.js';
import { MLTaskController } from '../../src/mltask/mltask.controller.js';
import { TASK_LABEL } from '../../src/mltask/mltask-render.js';
import type { MLTaskObject } from '../../src/mltask/mltask-spec.js';
import { eventually } from '../support/http.js';
import { startKwokCluster } from '../support/kwok.js';
import { EXIT_CODE_ANNOTATION, WORKER_STAGES } from '../support/kwok-worker-stages.js';

const NS = 'default';
const GROUP = { group: 'ml.kaas.dev', version: 'v1alpha1', plural: 'mltasks' };
const warnings: string[] = [];
const quiet = {
  info: () => undefined,
  warn: (m: string) => void warnings.push(m),
  error: (m: string) => void warnings.push(m),
};

/** The controller runs as the service account of deploy/mltask/controller.yaml, so its RBAC is tested too. */
function asControllerServiceAccount(kubeconfig: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromString(impersonating(kubeconfig));
  return config;
}

function impersonating(kubeconfig: string): string {
  const doc = parse(kubeconfig) as { users: { user: Record<string, unknown> }[] };
  for (const u of doc.users) u.user.as = 'system:serviceaccount:kaas-mltask:mltask-controller';
  return stringify(doc);
}

/**
 * The MLTask controller, run in this process, against a real API server, scheduler and
 * controller manager with kwok nodes: two GPU nodes (2 × nvidia-l4 each, tainted like kaas GPU
 * pools) and two CPU nodes. Pods run until the test gives them an exit code (see
 * kwok-worker-stages.ts), the way kwok's own stages complete pods.
 */
describe('MLTask controller on a real API server', () => {
  let cluster: Awaited<ReturnType<typeof startKwokCluster>>;
  let client: TenantKubeClient;
  let custom: CustomObjectsApi;
  let batch: BatchV1Api;
  let controller: MLTaskController;
  let controllerConfig: KubeConfig;

  const get = async (name: string) =>
    (await custom.getNamespacedCustomObject({ ...GROUP, namespace: NS, name })) as MLTaskObject;
  const create = (name: string, spec: Record<string, unknown>) =>
    custom.createNamespacedCustomObject({
      ...GROUP,
      namespace: NS,
      body: { apiVersion: 'ml.kaas.dev/v1alpha1', kind: 'MLTask', metadata: { name }, spec },
    });
  const podsOf = async (name: string) =>
    (await client.core.listNamespacedPod({ namespace: NS, labelSelector: `${TASK_LABEL}=${name}` }))
      .items;
  const finishPods = async (pods: V1Pod[], code: number) => {
    for (const pod of pods)
      await client.core.patchNamespacedPod(
        {
          name: pod.metadata!.name!,
          namespace: NS,
          body: { metadata: { annotations: { [EXIT_CODE_ANNOTATION]: String(code) } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
  };

  beforeAll(async () => {
    cluster = await startKwokCluster('1.37.2', { extraConfig: WORKER_STAGES });
    client = cluster.client;
    custom = client.config.makeApiClient(CustomObjectsApi);
    batch = client.config.makeApiClient(BatchV1Api);
    const gpuPool = nodePoolSpecSchema.parse({
      name: 'gpu',
      replicas: 2,
      flavor: 'gpu-small',
      gpu: { count: 2, type: 'nvidia-l4' },
      taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
    });
    const cpuPool = nodePoolSpecSchema.parse({ name: 'cpu', replicas: 2 });
    const machines = [
      { name: 'gpu-a', pool: gpuPool, flavor: 'gpu-small' },
      { name: 'gpu-b', pool: gpuPool, flavor: 'gpu-small' },
      { name: 'cpu-a', pool: cpuPool, flavor: 'large' },
      { name: 'cpu-b', pool: cpuPool, flavor: 'large' },
    ];
    for (const m of machines)
      await client.core.createNode({
        body: nodeFor('test', `kwok://test/${m.name}`, {
          ...m,
          role: 'worker',
          version: '1.37.2',
        }),
      });
    await eventually(
      () => client.listNodes(),
      (nodes) => nodes?.filter((n) => n.ready).length === 4,
      30_000,
    );
    await applyManifests(client, readFileSync('deploy/mltask/crd.yaml', 'utf8'));
    await applyManifests(client, readFileSync('deploy/mltask/controller.yaml', 'utf8'));
    controllerConfig = asControllerServiceAccount(cluster.kubeconfig);
    controller = new MLTaskController(controllerConfig, { resyncMs: 2_000, log: quiet });
    await controller.start();
  });

  afterAll(async () => {
    await controller?.stop();
    await cluster?.stop();
  });

  it('runs 2 workers × 1 GPU on GPU nodes only, Running, then Succeeded when the pods finish', async () => {
    await create('train', {
      image: 'ghcr.io/acme/train:1',
      command: ['python', 'train.py'],
      workers: 2,
      resources: { gpus: 1, gpuType: 'nvidia-l4', cpu: '2', memory: '8Gi' },
      data: { uri: 's3://datasets/imagenet' },
      model: { uri: 's3://models/resnet' },
      scratch: { size: '20Gi' },
      maxRunTime: '2h',
      retries: 1,
    });
    const running = await eventually(
      () => get('train'),
      (t) => t.status?.phase === 'Running',
      30_000,
    );
    expect(running.status!.message).toBe('2 of 2 workers running');
    expect(running.status!.readyWorkers).toBe(2);
    expect(running.status!.workers!.map((w) => [w.index, w.phase])).toEqual([
      [0, 'Running'],
      [1, 'Running'],
    ]);
    expect(running.status!.workers!.map((w) => w.node).sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^gpu-[ab]$/)]),
    );
    const pods = await podsOf('train');
    expect(pods).toHaveLength(2);
    for (const pod of pods) expect(pod.spec!.nodeName).toMatch(/^gpu-[ab]$/);

    const job = await batch.readNamespacedJob({ name: 'train', namespace: NS });
    expect(job.spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 2,
      parallelism: 2,
      backoffLimit: 1,
      activeDeadlineSeconds: 7200,
    });
    const podSpec = job.spec!.template.spec!;
    expect(podSpec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'nvidia-l4' });
    expect(podSpec.tolerations).toContainEqual(
      expect.objectContaining({ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }),
    );
    expect(podSpec.containers[0]!.resources!.limits!['nvidia.com/gpu']).toBe('1');
    expect(job.metadata!.ownerReferences![0]).toMatchObject({
      kind: 'MLTask',
      name: 'train',
      controller: true,
    });
    const service = await client.core.readNamespacedService({ name: 'train', namespace: NS });
    expect(service.spec!.clusterIP).toBe('None');

    await finishPods(pods, 0);
    const done = await eventually(
      () => get('train'),
      (t) => t.status?.phase === 'Succeeded',
      30_000,
    );
    expect(done.status!.message).toBe('all 2 workers finished successfully');
    expect(done.status!.completionTime).toBeDefined();
    expect(done.status!.startTime).toBeDefined();
    expect(done.status!.conditions!.find((c) => c.type === 'Finished')).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
    });
  });

  it('keeps a task asking for more GPUs than any node has Pending, and says so', async () => {
    await create('too-big', {
      image: 'ghcr.io/acme/train:1',
      command: ['python', 'train.py'],
      workers: 2,
      resources: { gpus: 4, gpuType: 'nvidia-l4' },
    });
    const pending = await eventually(
      () => get('too-big'),
      (t) => t.status?.message?.includes('largest GPU node') === true,
      30_000,
    );
    expect(pending.status!.phase).toBe('Pending');
    expect(pending.status!.message).toContain(
      'needs 4 nvidia.com/gpu of type nvidia-l4 per worker; the largest GPU node offers 2',
    );
    expect(pending.status!.conditions!.find((c) => c.type === 'WorkersScheduled')).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
    });
    for (const pod of await podsOf('too-big')) expect(pod.spec!.nodeName).toBeUndefined();
    // Still Pending a resync later: nothing turns it into a failure.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await get('too-big')).status!.phase).toBe('Pending');
  });

  it('removes every object a task owned when the task is deleted', async () => {
    await custom.deleteNamespacedCustomObject({ ...GROUP, namespace: NS, name: 'too-big' });
    await custom.deleteNamespacedCustomObject({ ...GROUP, namespace: NS, name: 'train' });
    await eventually(
      async () => ({
        jobs: (await batch.listNamespacedJob({ namespace: NS })).items.length,
        services: (
          await client.core.listNamespacedService({
            namespace: NS,
            labelSelector: TASK_LABEL,
          })
        ).items.length,
        pods: (await client.core.listNamespacedPod({ namespace: NS, labelSelector: TASK_LABEL }))
          .items.length,
      }),
      (left) => left.jobs === 0 && left.services === 0 && left.pods === 0,
      60_000,
    );
  });

  it('fails a task whose workers keep failing, naming the exit code and the retries', async () => {
    await create('crashy', {
      image: 'ghcr.io/acme/train:1',
      command: ['python', 'train.py'],
      resources: { gpus: 1 },
      retries: 1,
    });
    // The first pod and its one replacement each exit with code 3.
    const finished = new Set<string>();
    for (let attempt = 0; attempt < 2; attempt++) {
      const fresh = await eventually(
        async () =>
          (await podsOf('crashy')).filter(
            (p) => p.status?.phase === 'Running' && !finished.has(p.metadata!.name!),
          ),
        (p) => p.length === 1,
        30_000,
      );
      finished.add(fresh[0]!.metadata!.name!);
      await finishPods(fresh, 3);
    }
    const failed = await eventually(
      () => get('crashy'),
      (t) => t.status?.phase === 'Failed',
      30_000,
    );
    expect(failed.status!.message).toBe(
      'worker 0 exited with code 3 (Error); gave up after 1 retry (spec.retries)',
    );
  });

  it('refuses specs the schema rules out at the API server, and reports the rest in status', async () => {
    const refused = await create('bad', {
      image: 'x',
      command: ['run'],
      resources: { gpus: 0, gpuType: 'nvidia-l4' },
      data: { uri: 's3://a/b', claimName: 'pvc' },
    }).catch((error: unknown) => error);
    expect(kubeStatus(refused)).toBe(422);
    expect(String((refused as { body?: unknown }).body)).toContain(
      'resources.gpuType needs resources.gpus of 1 or more',
    );
    expect(String((refused as { body?: unknown }).body)).toContain(
      'give exactly one of uri and claimName',
    );

    const long = await create('a'.repeat(53), { image: 'x', command: ['run'] }).catch(
      (error: unknown) => error,
    );
    expect(kubeStatus(long)).toBe(422);
    expect(String((long as { body?: unknown }).body)).toContain('at most 52 characters');

    await create('clash', {
      image: 'x',
      command: ['run'],
      data: { claimName: 'data', mountPath: '/work' },
      scratch: { size: '1Gi', mountPath: '/work' },
    });
    const invalid = await eventually(
      () => get('clash'),
      (t) => t.status?.phase === 'Failed',
      20_000,
    );
    expect(invalid.status!.message).toBe(
      'invalid spec: spec.scratch.mountPath: data, model and scratch need different mount paths',
    );
    const changed = await custom
      .patchNamespacedCustomObject(
        { ...GROUP, namespace: NS, name: 'clash', body: { spec: { workers: 3 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )
      .catch((error: unknown) => error);
    expect(kubeStatus(changed)).toBe(422);
    expect(String((changed as { body?: unknown }).body)).toContain(
      'spec cannot change once created',
    );
    expect(
      (await batch.listNamespacedJob({ namespace: NS })).items.map((j) => j.metadata!.name),
    ).not.toContain('clash');
  });

  it('picks up tasks created while it was down', async () => {
    await controller.stop();
    await create('offline', {
      image: 'ghcr.io/acme/train:1',
      command: ['python', 'train.py'],
      resources: { gpus: 2 },
    });
    controller = new MLTaskController(controllerConfig, { resyncMs: 2_000, log: quiet });
    await controller.start();
    const running = await eventually(
      () => get('offline'),
      (t) => t.status?.phase === 'Running',
      30_000,
    );
    expect(running.status!.workers![0]!.node).toMatch(/^gpu-[ab]$/);
    // Everything above ran with the controller's own RBAC: nothing was refused.
    expect(warnings.filter((w) => /HTTP 403|forbidden/i.test(w))).toEqual([]);
  });

  it('runs a task re-created under the name of one still being deleted once the old objects are gone', async () => {
    const old = await batch.readNamespacedJob({ name: 'offline', namespace: NS });
    await custom.deleteNamespacedCustomObject({ ...GROUP, namespace: NS, name: 'offline' });
    await create('offline', {
      image: 'ghcr.io/acme/train:2',
      command: ['python', 'train.py'],
      resources: { gpus: 1 },
    });
    const running = await eventually(
      () => get('offline'),
      (t) => t.status?.phase === 'Running',
      60_000,
    );
    expect(running.status!.message).toBe('1 of 1 workers running');
    const job = await batch.readNamespacedJob({ name: 'offline', namespace: NS });
    expect(job.metadata!.uid).not.toBe(old.metadata!.uid);
    expect(job.spec!.template.spec!.containers[0]!.image).toBe('ghcr.io/acme/train:2');
  });

  it('runs as its own process from the build, and stops cleanly on SIGTERM', async () => {
    const main = join(process.cwd(), 'dist/mltask/main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first`);
    await controller.stop();
    const dir = mkdtempSync(join(tmpdir(), 'kaas-mltask-proc-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, impersonating(cluster.kubeconfig));
    const child = spawn(process.execPath, [main, '--kubeconfig', kubeconfig], {
      env: { ...process.env, KUBECONFIG: '', MLTASK_RESYNC_SECONDS: '5' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await create('proc', {
        image: 'ghcr.io/acme/train:1',
        command: ['python', 'train.py'],
        resources: { gpus: 1 },
      });
      const running = await eventually(
        () => get('proc'),
        (t) => t.status?.phase === 'Running',
        30_000,
      );
      expect(running.status!.message).toBe('1 of 1 workers running');
      expect(output).toContain('mltask controller started');
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
