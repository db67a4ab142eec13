import { Inject, Injectable } from '@nestjs/common';
import { ApiextensionsV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import type { z } from 'zod';
import {
  ConflictError,
  NotFoundError,
  UnavailableError,
  ValidationError,
} from '../../domain/errors.js';
import { TenantKubeClient } from '../../kube/tenant-client.js';
import { isNotFound, isUnreachable, kubeMessage, kubeStatus } from '../../kube/kube-errors.js';
import {
  checkSpec,
  MLTASK_API_VERSION,
  MLTASK_CRD_NAME,
  MLTASK_GROUP,
  MLTASK_KIND,
  MLTASK_PLURAL,
  MLTASK_VERSION,
  type MLTaskObject,
} from '../../mltask/mltask-spec.js';
import {
  COMPLETION_INDEX_ANNOTATION,
  TASK_LABEL,
  WORKER_CONTAINER,
} from '../../mltask/mltask-render.js';
import type { DatabaseHandle } from '../../persistence/database.js';
import type { ProjectRecord } from '../../persistence/records.js';
import { DATABASE, repositories } from '../../persistence/repositories.js';
import { PROVIDERS, type ProviderRegistry } from '../../providers/infrastructure-provider.js';
import type {
  mlTaskCreateEnvelope,
  MLTaskListSchema,
  MLTaskLogsSchema,
  MLTaskSchema,
} from './mltask-schemas.js';

type MLTaskView = z.output<typeof MLTaskSchema>;
type MLTaskLogs = z.output<typeof MLTaskLogsSchema>;

const GROUP = { group: MLTASK_GROUP, version: MLTASK_VERSION, plural: MLTASK_PLURAL };

interface Tenant {
  cluster: string;
  client: TenantKubeClient;
  custom: CustomObjectsApi;
}

interface Target {
  namespace: string;
  name?: string;
}

/**
 * MLTasks of a tenant cluster, for people who never use kubectl. kaas authorises the caller
 * by project role; the request then reaches the cluster's API server with the admin
 * credentials the provider hands out, and Kubernetes' answers become problem details.
 */
@Injectable()
export class MLTasksService {
  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(PROVIDERS) private readonly providers: ProviderRegistry,
  ) {}

  async create(
    project: ProjectRecord,
    cluster: string,
    body: z.output<typeof mlTaskCreateEnvelope>,
  ): Promise<MLTaskView> {
    const check = checkSpec(body.spec);
    if (!check.valid) throw new ValidationError('the MLTask spec is not valid', check.problems);
    const tenant = await this.tenant(project, cluster);
    const created = await tenant.custom
      .createNamespacedCustomObject({
        ...GROUP,
        namespace: body.namespace,
        body: {
          apiVersion: MLTASK_API_VERSION,
          kind: MLTASK_KIND,
          metadata: { name: body.name, namespace: body.namespace },
          spec: body.spec,
        },
      })
      .catch((error: unknown) => this.fail(tenant, error, { namespace: body.namespace }, 'create'));
    return mlTaskView(created as MLTaskObject);
  }

  async list(
    project: ProjectRecord,
    cluster: string,
    query: { namespace?: string; limit: number; cursor?: string },
  ): Promise<z.output<typeof MLTaskListSchema>> {
    const tenant = await this.tenant(project, cluster);
    const page = { limit: query.limit, ...(query.cursor ? { _continue: query.cursor } : {}) };
    const list = (await (
      query.namespace
        ? tenant.custom.listNamespacedCustomObject({
            ...GROUP,
            namespace: query.namespace,
            ...page,
          })
        : tenant.custom.listClusterCustomObject({ ...GROUP, ...page })
    ).catch((error: unknown) =>
      this.fail(tenant, error, { namespace: query.namespace ?? '' }, 'list'),
    )) as { items: MLTaskObject[]; metadata?: { _continue?: string } };
    const next = list.metadata?._continue;
    return { items: list.items.map(mlTaskView), ...(next ? { nextCursor: next } : {}) };
  }

  async get(
    project: ProjectRecord,
    cluster: string,
    namespace: string,
    name: string,
  ): Promise<MLTaskView> {
    const tenant = await this.tenant(project, cluster);
    return mlTaskView(await this.read(tenant, namespace, name));
  }

  async delete(
    project: ProjectRecord,
    cluster: string,
    namespace: string,
    name: string,
  ): Promise<void> {
    const tenant = await this.tenant(project, cluster);
    await tenant.custom
      .deleteNamespacedCustomObject({ ...GROUP, namespace, name, propagationPolicy: 'Background' })
      .catch((error: unknown) => this.fail(tenant, error, { namespace, name }, 'delete'));
  }

  /** The task's state with the last lines of each worker's output. */
  async logs(
    project: ProjectRecord,
    cluster: string,
    namespace: string,
    name: string,
    tailLines: number,
  ): Promise<MLTaskLogs> {
    const tenant = await this.tenant(project, cluster);
    const task = mlTaskView(await this.read(tenant, namespace, name));
    const pods = await tenant.client.core
      .listNamespacedPod({ namespace, labelSelector: `${TASK_LABEL}=${name}` })
      .catch((error: unknown) => this.fail(tenant, error, { namespace, name }, 'read'));
    const workers = await Promise.all(
      [...pods.items].sort(byIndexThenAge).map((pod) => this.workerLog(tenant, pod, tailLines)),
    );
    return {
      name,
      namespace,
      phase: task.status.phase,
      message: task.status.message,
      kubectl: `kubectl logs --namespace ${namespace} --selector ${TASK_LABEL}=${name} --container ${WORKER_CONTAINER} --prefix --follow`,
      workers,
    };
  }

  private async workerLog(tenant: Tenant, pod: V1Pod, tailLines: number) {
    const base = workerSummary(pod);
    if (!pod.spec?.nodeName) return { ...base, logError: 'not started: the pod has no node yet' };
    try {
      const log = await tenant.client.core.readNamespacedPodLog({
        name: base.pod,
        namespace: pod.metadata!.namespace!,
        container: WORKER_CONTAINER,
        tailLines,
      });
      return { ...base, log };
    } catch (error) {
      return { ...base, logError: kubeMessage(error) };
    }
  }

  private async read(tenant: Tenant, namespace: string, name: string): Promise<MLTaskObject> {
    return (await tenant.custom
      .getNamespacedCustomObject({ ...GROUP, namespace, name })
      .catch((error: unknown) =>
        this.fail(tenant, error, { namespace, name }, 'read'),
      )) as MLTaskObject;
  }

  private async tenant(project: ProjectRecord, name: string): Promise<Tenant> {
    const cluster = await repositories(this.database.db).clusters.findLiveByName(project.id, name);
    if (!cluster)
      throw new NotFoundError(`cluster "${name}" not found in project "${project.name}"`);
    if (!cluster.status.endpoint)
      throw new ConflictError(
        `cluster "${name}" has no API server yet; try again once its control plane is ready`,
      );
    const provider = this.providers.get(cluster.spec.provider);
    const kubeconfig = await provider?.adminKubeconfig({
      id: cluster.id,
      name: cluster.name,
      projectId: cluster.projectId,
      spec: cluster.spec,
    });
    if (!kubeconfig)
      throw new ConflictError(
        `the ${cluster.spec.provider} provider runs no Kubernetes API server, so cluster "${name}" has no MLTasks`,
      );
    const client = await TenantKubeClient.fromKubeconfig(kubeconfig);
    return { cluster: name, client, custom: client.config.makeApiClient(CustomObjectsApi) };
  }

  /** Turns the tenant API server's answer into the error a kaas user can act on. */
  private async fail(
    tenant: Tenant,
    error: unknown,
    target: Target,
    verb: 'create' | 'list' | 'read' | 'delete',
  ): Promise<never> {
    const where = `cluster "${tenant.cluster}"`;
    if (isUnreachable(error))
      throw new UnavailableError(`the API server of ${where} does not answer; try again shortly`);
    const status = kubeStatus(error);
    if (status === 404) {
      if (!(await this.crdInstalled(tenant)))
        throw new ConflictError(
          `the GPU stack add-on is not installed in ${where}: MLTasks come with it; install the add-on, then try again`,
        );
      if (verb === 'create' || verb === 'list')
        throw new NotFoundError(`namespace "${target.namespace}" not found in ${where}`);
      throw new NotFoundError(`MLTask "${target.namespace}/${target.name}" not found in ${where}`);
    }
    if (status === 409)
      throw new ConflictError(`${where} refused to ${verb} the MLTask: ${kubeMessage(error)}`);
    if (status === 422 || status === 400)
      throw new ValidationError(`${where} refused the MLTask: ${kubeMessage(error)}`, [
        { field: 'spec', message: kubeMessage(error) },
      ]);
    throw error;
  }

  private async crdInstalled(tenant: Tenant): Promise<boolean> {
    try {
      await tenant.client.config
        .makeApiClient(ApiextensionsV1Api)
        .readCustomResourceDefinition({ name: MLTASK_CRD_NAME });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}

function workerSummary(pod: V1Pod) {
  const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
  return {
    index: Number(pod.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION] ?? -1),
    pod: pod.metadata!.name!,
    phase: pod.status?.phase ?? 'Pending',
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    ...(terminated ? { exitCode: terminated.exitCode } : {}),
  };
}

function byIndexThenAge(a: V1Pod, b: V1Pod): number {
  const index = (p: V1Pod) => Number(p.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION] ?? 0);
  const age = (p: V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
  return index(a) - index(b) || age(a) - age(b);
}

export function mlTaskView(task: MLTaskObject): MLTaskView {
  const status = task.status ?? {};
  const created = task.metadata.creationTimestamp;
  return {
    name: task.metadata.name,
    namespace: task.metadata.namespace ?? 'default',
    ...(created ? { createdAt: new Date(created).toISOString() } : {}),
    spec: (task.spec ?? {}) as Record<string, unknown>,
    status: {
      phase: status.phase ?? 'Pending',
      message: status.message ?? 'waiting for the MLTask controller to pick the task up',
      readyWorkers: status.readyWorkers ?? 0,
      workers: status.workers ?? [],
      ...(status.startTime ? { startTime: status.startTime } : {}),
      ...(status.completionTime ? { completionTime: status.completionTime } : {}),
      conditions: (status.conditions ?? []).map((c) => ({
        type: c.type,
        status: c.status,
        reason: c.reason,
        message: c.message,
        lastTransitionTime: c.lastTransitionTime,
      })),
    },
  };
}
