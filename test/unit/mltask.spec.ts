import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { V1Job, V1Node, V1Pod } from '@kubernetes/client-node';
import { parseManifests } from '../../src/kube/apply.js';
import {
  checkSpec,
  durationSeconds,
  mlTaskSpecSchema,
  type MLTaskObject,
  type MLTaskSpec,
} from '../../src/mltask/mltask-spec.js';
import { renderJob, renderService } from '../../src/mltask/mltask-render.js';
import { observeStatus, unschedulableReason } from '../../src/mltask/mltask-status.js';
import { desiredStatus, sameStatus } from '../../src/mltask/mltask-reconcile.js';
import { KeyedQueue } from '../../src/mltask/keyed-queue.js';

const task = (spec: Record<string, unknown>): MLTaskObject => ({
  apiVersion: 'ml.kaas.dev/v1alpha1',
  kind: 'MLTask',
  metadata: { name: 'train', namespace: 'team-a', uid: 'uid-1', generation: 1 },
  spec,
});
const base = { image: 'ghcr.io/acme/train:1', command: ['python', 'train.py'] };
const parse = (spec: Record<string, unknown>): MLTaskSpec => mlTaskSpecSchema.parse(spec);

const gpuNode = (name: string, gpus: number, type: string): V1Node => ({
  metadata: { name, labels: { 'nvidia.com/gpu.product': type } },
  status: { allocatable: { 'nvidia.com/gpu': String(gpus), cpu: '8' } },
});
const cpuNode = (name: string): V1Node => ({
  metadata: { name },
  status: { allocatable: { cpu: '16' } },
});
const pod = (index: number, phase: string, extra: Partial<V1Pod['status']> = {}): V1Pod => ({
  metadata: {
    name: `train-${index}-x`,
    annotations: { 'batch.kubernetes.io/job-completion-index': String(index) },
    creationTimestamp: new Date(1_000 + index),
  },
  spec: { containers: [], ...(phase !== 'Pending' ? { nodeName: `gpu-${index}` } : {}) },
  status: { phase, ...extra },
});
const unschedulable = (message: string) => ({
  conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }],
});
const job = (conditions: { type: string; status: string; reason?: string }[] = []): V1Job => ({
  metadata: { name: 'train', ownerReferences: [ownerRef] },
  status: { conditions: conditions as never, startTime: new Date('2026-11-29T05:00:00Z') },
});
const ownerRef = {
  apiVersion: 'ml.kaas.dev/v1alpha1',
  kind: 'MLTask',
  name: 'train',
  uid: 'uid-1',
  controller: true,
};

describe('MLTask spec validation', () => {
  it('fills defaults: one worker, no GPUs, no retries, mount paths', () => {
    const spec = parse({ ...base, data: { uri: 's3://d/x' }, scratch: { size: '10Gi' } });
    expect(spec.workers).toBe(1);
    expect(spec.resources.gpus).toBe(0);
    expect(spec.retries).toBe(0);
    expect(spec.data!.mountPath).toBe('/data');
    expect(spec.scratch).toEqual({ size: '10Gi', kind: 'disk', mountPath: '/scratch' });
  });

  it('names each field that is wrong', () => {
    const check = checkSpec({
      ...base,
      command: [],
      workers: 0,
      resources: { gpus: 0, gpuType: 'nvidia-l4', memory: '16 GB' },
      model: { uri: 's3://m', claimName: 'pvc' },
      scratch: { size: '1Gi', kind: 'disk', storageClassName: 'fast' },
      maxRunTime: '0s',
      surprise: true,
    });
    expect(check.valid).toBe(false);
    const fields = check.valid ? [] : check.problems.map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'spec.command',
        'spec.workers',
        'spec.resources.memory',
        'spec.model',
        'spec.maxRunTime',
        'spec',
      ]),
    );
  });

  it('checks rules across fields: gpuType needs GPUs, storage class needs a volume, paths differ', () => {
    const check = checkSpec({
      ...base,
      resources: { gpus: 0, gpuType: 'nvidia-l4' },
      data: { claimName: 'd', mountPath: '/x' },
      scratch: { size: '1Gi', storageClassName: 'fast', mountPath: '/x' },
    });
    expect(check.valid ? [] : check.problems).toEqual([
      { field: 'spec.resources.gpuType', message: 'gpuType needs gpus of 1 or more' },
      {
        field: 'spec.scratch.storageClassName',
        message: 'storageClassName applies to scratch kind "volume" only',
      },
      {
        field: 'spec.scratch.mountPath',
        message: 'data, model and scratch need different mount paths',
      },
    ]);
  });

  it('reads durations in hours, minutes and seconds', () => {
    expect(durationSeconds('2h')).toBe(7200);
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(durationSeconds('45s')).toBe(45);
    expect(checkSpec({ ...base, maxRunTime: '90 minutes' }).valid).toBe(false);
  });

  it('has a CRD whose spec fields are the ones the controller reads', () => {
    const [crd] = parseManifests(readFileSync('deploy/mltask/crd.yaml', 'utf8')) as any[];
    const version = crd.spec.versions[0];
    const spec = version.schema.openAPIV3Schema.properties.spec;
    expect(Object.keys(spec.properties).sort()).toEqual(Object.keys(mlTaskSpecSchema.shape).sort());
    expect(Object.keys(spec.properties.resources.properties).sort()).toEqual([
      'cpu',
      'gpuType',
      'gpus',
      'memory',
    ]);
    expect(version.subresources).toEqual({ status: {} });
    expect(version.additionalPrinterColumns.map((c: { name: string }) => c.name)).toEqual([
      'Phase',
      'Workers',
      'Ready',
      'GPUs',
      'GPU Type',
      'Age',
      'Message',
    ]);
  });
});

describe('MLTask rendering', () => {
  it('renders an Indexed Job with GPUs, the GPU pool toleration and node selector, volumes and limits', () => {
    const spec = parse({
      ...base,
      args: ['--epochs', '3'],
      workers: 4,
      resources: { gpus: 2, gpuType: 'nvidia-a100', cpu: '8', memory: '64Gi' },
      data: { claimName: 'imagenet' },
      model: { uri: 's3://models/out' },
      scratch: { size: '200Gi', kind: 'volume', storageClassName: 'local-nvme' },
      maxRunTime: '3h',
      retries: 2,
    });
    const job = renderJob(task({}), spec);
    expect(job.metadata).toMatchObject({
      name: 'train',
      namespace: 'team-a',
      ownerReferences: [{ ...ownerRef, blockOwnerDeletion: true }],
    });
    expect(job.spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 4,
      parallelism: 4,
      backoffLimit: 2,
      activeDeadlineSeconds: 10_800,
    });
    const pod = job.spec!.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.subdomain).toBe('train');
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'nvidia-a100' });
    expect(pod.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' },
    ]);
    const container = pod.containers[0]!;
    expect(container.resources).toEqual({
      requests: { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': '2' },
      limits: { memory: '64Gi', 'nvidia.com/gpu': '2' },
    });
    expect(container.args).toEqual(['--epochs', '3']);
    expect(container.volumeMounts).toEqual([
      { name: 'data', mountPath: '/data', readOnly: true },
      { name: 'model', mountPath: '/model' },
      { name: 'scratch', mountPath: '/scratch' },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'imagenet', readOnly: true } },
      { name: 'model', emptyDir: {} },
      {
        name: 'scratch',
        ephemeral: {
          volumeClaimTemplate: {
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: '200Gi' } },
              storageClassName: 'local-nvme',
            },
          },
        },
      },
    ]);
    const env = Object.fromEntries(container.env!.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      WORLD_SIZE: '4',
      MASTER_ADDR: 'train-0.train',
      MASTER_PORT: '29500',
      KAAS_DATA_DIR: '/data',
      KAAS_MODEL_URI: 's3://models/out',
      KAAS_SCRATCH_DIR: '/scratch',
    });
  });

  it('asks for any GPU node when no type is given, and for none on a CPU-only task', () => {
    const anyGpu = renderJob(task({}), parse({ ...base, resources: { gpus: 1 } }));
    expect(anyGpu.spec!.template.spec!.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    const cpu = renderJob(task({}), parse({ ...base, scratch: { size: '2Gi', kind: 'memory' } }));
    expect(cpu.spec!.template.spec!.tolerations).toBeUndefined();
    expect(cpu.spec!.template.spec!.nodeSelector).toBeUndefined();
    expect(cpu.spec!.template.spec!.volumes).toEqual([
      { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } },
    ]);
  });

  it('gives distributed workers a headless Service, and a single worker none', () => {
    const service = renderService(task({}), parse({ ...base, workers: 2 }));
    expect(service!.spec).toMatchObject({
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: { 'ml.kaas.dev/task': 'train' },
    });
    expect(renderService(task({}), parse(base))).toBeUndefined();
  });
});

describe('MLTask status', () => {
  const spec = parse({ ...base, workers: 2, resources: { gpus: 4, gpuType: 'nvidia-l4' } });
  const nodes = [gpuNode('gpu-a', 2, 'nvidia-l4'), gpuNode('gpu-b', 1, 'nvidia-t4'), cpuNode('c')];

  it('says how many GPUs the largest node of the type offers', () => {
    expect(unschedulableReason(spec, nodes, '0/3 nodes are available')).toBe(
      'needs 4 nvidia.com/gpu of type nvidia-l4 per worker; the largest GPU node offers 2: ask for at most 2 GPUs per worker and more workers, or add a node pool with larger GPU nodes',
    );
  });

  it('names the GPU types present when none matches, and a cluster without GPUs', () => {
    const h100 = parse({ ...base, resources: { gpus: 1, gpuType: 'nvidia-h100' } });
    expect(unschedulableReason(h100, nodes, undefined)).toBe(
      'needs 1 nvidia.com/gpu of type nvidia-h100 per worker; no node has that GPU type (GPU types here: nvidia-l4, nvidia-t4)',
    );
    expect(unschedulableReason(h100, [cpuNode('c')], undefined)).toContain(
      'the cluster has no GPU nodes: add a node pool with GPUs',
    );
  });

  it("falls back to the scheduler's words when capacity is not the problem", () => {
    const small = parse({ ...base, resources: { gpus: 1, gpuType: 'nvidia-l4' } });
    expect(unschedulableReason(small, nodes, '0/3 nodes: Insufficient memory')).toBe(
      'no node fits a worker (scheduler: 0/3 nodes: Insufficient memory)',
    );
  });

  it('is Pending with the unschedulable worker named, Running once every worker runs', () => {
    const waiting = observeStatus({
      spec,
      job: job(),
      pods: [pod(0, 'Running'), pod(1, 'Pending', unschedulable('0/3 nodes are available'))],
      nodes,
    });
    expect(waiting.phase).toBe('Pending');
    expect(waiting.message).toMatch(/^worker 1 cannot be scheduled: needs 4 nvidia.com\/gpu/);
    expect(waiting.reasons.scheduled).toBe('Unschedulable');
    expect(waiting.readyWorkers).toBe(1);

    const running = observeStatus({
      spec,
      job: job(),
      pods: [pod(0, 'Running'), pod(1, 'Running')],
      nodes,
    });
    expect(running).toMatchObject({ phase: 'Running', message: '2 of 2 workers running' });
    expect(running.workers).toEqual([
      { index: 0, phase: 'Running', pod: 'train-0-x', node: 'gpu-0' },
      { index: 1, phase: 'Running', pod: 'train-1-x', node: 'gpu-1' },
    ]);
    expect(running.startTime).toBe('2026-11-29T05:00:00.000Z');
  });

  it('follows the Job to Succeeded, or to Failed with what to change', () => {
    const ok = observeStatus({
      spec,
      job: job([{ type: 'Complete', status: 'True' }]),
      pods: [],
      nodes,
    });
    expect(ok).toMatchObject({
      phase: 'Succeeded',
      message: 'all 2 workers finished successfully',
    });
    const late = observeStatus({
      spec: parse({ ...base, maxRunTime: '30m' }),
      job: job([{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }]),
      pods: [],
      nodes,
    });
    expect(late.message).toBe(
      'stopped after maxRunTime 30m: raise spec.maxRunTime or make the run shorter',
    );
  });

  it('reports an invalid spec as Failed and never as a crash', () => {
    const status = desiredStatus(task({ image: '' }), checkSpec({ image: '' }), {
      pods: [],
      nodes: [],
      now: '2026-11-29T05:00:00Z',
    });
    expect(status.phase).toBe('Failed');
    expect(status.message).toContain('invalid spec: spec.image');
    expect(status.conditions[0]).toMatchObject({ type: 'SpecValid', status: 'False' });
  });

  it('waits, saying why, while a Job of the same name is not its own', () => {
    const observe = (metadata: Record<string, unknown>) =>
      desiredStatus(task(base), checkSpec(base), {
        job: { ...job(), metadata: { name: 'train', ...metadata } },
        pods: [],
        nodes: [],
        now: '2026-11-29T05:00:00Z',
      });
    const stranger = observe({});
    expect(stranger.phase).toBe('Pending');
    expect(stranger.message).toBe(
      "the Job team-a/train already exists and is not this task's: delete it or create the task under another name",
    );
    const earlier = observe({ ownerReferences: [{ ...ownerRef, uid: 'uid-0' }] });
    expect(earlier.message).toBe(
      'waiting for the Job team-a/train of an earlier MLTask of the same name to be deleted',
    );
    expect(earlier.conditions.find((c) => c.type === 'Finished')).toMatchObject({
      status: 'False',
      reason: 'NameTaken',
    });
  });

  it('keeps transition times of unchanged conditions, so an unchanged status is not rewritten', () => {
    const observed = { job: job(), pods: [pod(0, 'Running')], nodes, now: '2026-11-29T05:00:00Z' };
    const one = parse(base);
    const first = desiredStatus(task(base), { valid: true, spec: one }, observed);
    const later = desiredStatus(
      { ...task(base), status: first },
      { valid: true, spec: one },
      { ...observed, now: '2026-11-29T06:00:00Z' },
    );
    expect(sameStatus(first, later)).toBe(true);
    expect(sameStatus(JSON.parse(JSON.stringify(first)), later)).toBe(true);
  });
});

describe('the controller work queue', () => {
  it('runs a key once at a time and again when it changed meanwhile', async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new KeyedQueue(
      async (key) => {
        seen.push(key);
        if (seen.length === 1) await gate;
      },
      { concurrency: 2, onError: () => undefined },
    );
    queue.start();
    queue.add('a');
    queue.add('a');
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual(['a']);
    release();
    await queue.idle();
    expect(seen).toEqual(['a', 'a']);
    await queue.stop();
  });

  it('retries a failed key with backoff', async () => {
    let calls = 0;
    const queue = new KeyedQueue(
      async () => {
        calls++;
        if (calls < 3) throw new Error('conflict');
      },
      { concurrency: 1, onError: () => undefined, baseDelayMs: 5 },
    );
    queue.start();
    queue.add('k');
    const deadline = Date.now() + 2_000;
    while (calls < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(calls).toBe(3);
    await queue.stop();
  });
});
