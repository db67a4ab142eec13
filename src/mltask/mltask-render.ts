import type {
  V1EnvVar,
  V1Job,
  V1OwnerReference,
  V1ResourceRequirements,
  V1Service,
  V1Toleration,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import {
  durationSeconds,
  MLTASK_API_VERSION,
  MLTASK_KIND,
  type MLTaskObject,
  type MLTaskSpec,
} from './mltask-spec.js';

/** Labels every object of a task carries; the controller finds pods and Jobs by the first. */
export const TASK_LABEL = 'ml.kaas.dev/task';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'kaas-mltask';

/** What kaas GPU nodes carry (src/providers/kwok/node-template.ts, and the GPU operator's labels). */
export const GPU_RESOURCE = 'nvidia.com/gpu';
export const GPU_PRESENT_LABEL = 'nvidia.com/gpu.present';
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
export const GPU_TOLERATION: V1Toleration = {
  key: GPU_RESOURCE,
  operator: 'Equal',
  value: 'present',
  effect: 'NoSchedule',
};

/** The port distributed frameworks rendezvous on (torch.distributed's usual one). */
export const COORDINATOR_PORT = 29500;
export const WORKER_CONTAINER = 'worker';
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

export function ownerReference(task: MLTaskObject): V1OwnerReference {
  return {
    apiVersion: MLTASK_API_VERSION,
    kind: MLTASK_KIND,
    name: task.metadata.name,
    uid: task.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function labels(task: MLTaskObject): Record<string, string> {
  return { [TASK_LABEL]: task.metadata.name, [MANAGED_BY_LABEL]: MANAGED_BY };
}

export const needsService = (spec: MLTaskSpec) => spec.workers > 1;

/** Headless: each worker gets a DNS name `<task>-<index>.<task>` as soon as its pod exists. */
export function renderService(task: MLTaskObject, spec: MLTaskSpec): V1Service | undefined {
  if (!needsService(spec)) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: task.metadata.name,
      namespace: task.metadata.namespace!,
      labels: labels(task),
      ownerReferences: [ownerReference(task)],
    },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: { [TASK_LABEL]: task.metadata.name },
      ports: [{ name: 'coordinator', port: COORDINATOR_PORT, targetPort: COORDINATOR_PORT }],
    },
  };
}

/** An Indexed Job: one completion per worker, all running at once. */
export function renderJob(task: MLTaskObject, spec: MLTaskSpec): V1Job {
  const name = task.metadata.name;
  const gpu = spec.resources.gpus > 0;
  const { volumes, mounts } = renderVolumes(spec);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: task.metadata.namespace!,
      labels: labels(task),
      ownerReferences: [ownerReference(task)],
    },
    spec: {
      completionMode: 'Indexed',
      completions: spec.workers,
      parallelism: spec.workers,
      backoffLimit: spec.retries,
      ...(spec.maxRunTime ? { activeDeadlineSeconds: durationSeconds(spec.maxRunTime) } : {}),
      template: {
        metadata: { labels: labels(task) },
        spec: {
          restartPolicy: 'Never',
          ...(needsService(spec) ? { subdomain: name } : {}),
          ...(gpu ? { tolerations: [GPU_TOLERATION], nodeSelector: gpuNodeSelector(spec) } : {}),
          containers: [
            {
              name: WORKER_CONTAINER,
              image: spec.image,
              command: spec.command,
              ...(spec.args ? { args: spec.args } : {}),
              env: renderEnv(name, spec),
              resources: renderResources(spec),
              ...(needsService(spec)
                ? { ports: [{ name: 'coordinator', containerPort: COORDINATOR_PORT }] }
                : {}),
              ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
            },
          ],
          ...(volumes.length > 0 ? { volumes } : {}),
        },
      },
    },
  };
}

export function gpuNodeSelector(spec: MLTaskSpec): Record<string, string> {
  return spec.resources.gpuType
    ? { [GPU_PRODUCT_LABEL]: spec.resources.gpuType }
    : { [GPU_PRESENT_LABEL]: 'true' };
}

function renderResources(spec: MLTaskSpec): V1ResourceRequirements {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  const { cpu, memory, gpus } = spec.resources;
  if (cpu) requests.cpu = cpu;
  if (memory) requests.memory = limits.memory = memory;
  if (gpus > 0) requests[GPU_RESOURCE] = limits[GPU_RESOURCE] = String(gpus);
  return {
    ...(Object.keys(requests).length > 0 ? { requests } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
  };
}

function renderEnv(name: string, spec: MLTaskSpec): V1EnvVar[] {
  const env: V1EnvVar[] = [
    { name: 'KAAS_MLTASK', value: name },
    { name: 'WORLD_SIZE', value: String(spec.workers) },
    {
      name: 'RANK',
      valueFrom: {
        fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` },
      },
    },
  ];
  if (needsService(spec)) {
    env.push(
      { name: 'MASTER_ADDR', value: `${name}-0.${name}` },
      { name: 'MASTER_PORT', value: String(COORDINATOR_PORT) },
    );
  }
  if (spec.data) env.push({ name: 'KAAS_DATA_DIR', value: spec.data.mountPath });
  if (spec.data?.uri) env.push({ name: 'KAAS_DATA_URI', value: spec.data.uri });
  if (spec.model) env.push({ name: 'KAAS_MODEL_DIR', value: spec.model.mountPath });
  if (spec.model?.uri) env.push({ name: 'KAAS_MODEL_URI', value: spec.model.uri });
  if (spec.scratch) env.push({ name: 'KAAS_SCRATCH_DIR', value: spec.scratch.mountPath });
  return [...env, ...(spec.env ?? [])];
}

function renderVolumes(spec: MLTaskSpec): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  if (spec.data) {
    volumes.push(
      spec.data.claimName
        ? {
            name: 'data',
            persistentVolumeClaim: { claimName: spec.data.claimName, readOnly: true },
          }
        : { name: 'data', emptyDir: {} },
    );
    mounts.push({
      name: 'data',
      mountPath: spec.data.mountPath,
      ...(spec.data.claimName ? { readOnly: true } : {}),
    });
  }
  if (spec.model) {
    volumes.push(
      spec.model.claimName
        ? { name: 'model', persistentVolumeClaim: { claimName: spec.model.claimName } }
        : { name: 'model', emptyDir: {} },
    );
    mounts.push({ name: 'model', mountPath: spec.model.mountPath });
  }
  if (spec.scratch) {
    volumes.push(scratchVolume(spec.scratch));
    mounts.push({ name: 'scratch', mountPath: spec.scratch.mountPath });
  }
  return { volumes, mounts };
}

function scratchVolume(scratch: NonNullable<MLTaskSpec['scratch']>): V1Volume {
  switch (scratch.kind) {
    case 'disk':
      return { name: 'scratch', emptyDir: { sizeLimit: scratch.size } };
    case 'memory':
      return { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: scratch.size } };
    case 'volume':
      return {
        name: 'scratch',
        ephemeral: {
          volumeClaimTemplate: {
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: scratch.size } },
              ...(scratch.storageClassName ? { storageClassName: scratch.storageClassName } : {}),
            },
          },
        },
      };
  }
}
