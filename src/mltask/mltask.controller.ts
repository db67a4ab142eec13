import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Job,
  type V1Node,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import { isAlreadyExists, isNotFound, kubeMessage } from '../kube/kube-errors.js';
import { ResilientInformer, type InformerLog } from './resilient-informer.js';
import {
  checkSpec,
  MLTASK_GROUP,
  MLTASK_PLURAL,
  MLTASK_VERSION,
  type MLTaskObject,
  type MLTaskStatus,
} from './mltask-spec.js';
import { MANAGED_BY, MANAGED_BY_LABEL, TASK_LABEL } from './mltask-render.js';
import { desiredStatus, nameTaken, sameStatus } from './mltask-reconcile.js';
import { renderJob, renderService } from './mltask-render.js';
import { KeyedQueue } from './keyed-queue.js';

export interface ControllerLog extends InformerLog {
  info(message: string): void;
  error(message: string): void;
}

export interface MLTaskControllerOptions {
  /** Every task is reconciled again this often, whatever the watches said. */
  resyncMs?: number;
  /** Tasks reconciled at once. */
  concurrency?: number;
  log?: ControllerLog;
}

const consoleLog: ControllerLog = {
  info: (m) => console.log(JSON.stringify({ level: 'info', msg: m })),
  warn: (m) => console.warn(JSON.stringify({ level: 'warn', msg: m })),
  error: (m) => console.error(JSON.stringify({ level: 'error', msg: m })),
};

type Key = string;
/** Set by the Job controller on every pod it creates. */
const JOB_UID_LABEL = 'batch.kubernetes.io/controller-uid';
const keyOf = (namespace: string, name: string): Key => `${namespace}/${name}`;

/**
 * Turns MLTasks into an Indexed Job plus a headless Service and keeps each task's status in
 * step with its pods. Level-triggered: every event only enqueues the task's key, and a
 * reconcile reads everything it needs from the informers' caches, so a restart or a missed
 * event costs nothing but one more reconcile.
 */
export class MLTaskController {
  private readonly tasks: ResilientInformer<MLTaskObject & KubernetesObject>;
  private readonly jobs: ResilientInformer<V1Job>;
  private readonly services: ResilientInformer<V1Service>;
  private readonly pods: ResilientInformer<V1Pod>;
  private readonly nodes: ResilientInformer<V1Node>;
  private readonly custom: CustomObjectsApi;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly queue: KeyedQueue;
  private readonly log: ControllerLog;
  private resync: NodeJS.Timeout | undefined;

  constructor(
    config: KubeConfig,
    private readonly options: MLTaskControllerOptions = {},
  ) {
    this.log = options.log ?? consoleLog;
    this.custom = config.makeApiClient(CustomObjectsApi);
    this.batch = config.makeApiClient(BatchV1Api);
    this.core = config.makeApiClient(CoreV1Api);
    const managed = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
    this.tasks = new ResilientInformer(
      config,
      `/apis/${MLTASK_GROUP}/${MLTASK_VERSION}/${MLTASK_PLURAL}`,
      () =>
        this.custom.listClusterCustomObject({
          group: MLTASK_GROUP,
          version: MLTASK_VERSION,
          plural: MLTASK_PLURAL,
        }) as Promise<KubernetesListObject<MLTaskObject & KubernetesObject>>,
      this.log,
    );
    this.jobs = new ResilientInformer(
      config,
      '/apis/batch/v1/jobs',
      () => this.batch.listJobForAllNamespaces({ labelSelector: managed }),
      this.log,
      managed,
    );
    this.services = new ResilientInformer(
      config,
      '/api/v1/services',
      () => this.core.listServiceForAllNamespaces({ labelSelector: managed }),
      this.log,
      managed,
    );
    this.pods = new ResilientInformer(
      config,
      '/api/v1/pods',
      () => this.core.listPodForAllNamespaces({ labelSelector: TASK_LABEL }),
      this.log,
      TASK_LABEL,
    );
    this.nodes = new ResilientInformer(
      config,
      '/api/v1/nodes',
      () => this.core.listNode(),
      this.log,
    );
    this.queue = new KeyedQueue((key) => this.reconcile(key), {
      concurrency: options.concurrency ?? 4,
      onError: (key, error) => this.log.warn(`reconcile of ${key} failed: ${kubeMessage(error)}`),
    });
    this.tasks.onChange((t) => this.enqueue(t.metadata.namespace, t.metadata.name));
    for (const owned of [
      this.jobs,
      this.services,
      this.pods,
    ] as ResilientInformer<KubernetesObject>[])
      owned.onChange((o) => this.enqueue(o.metadata?.namespace, o.metadata?.labels?.[TASK_LABEL]));
    this.nodes.onChange(() => this.enqueueWaiting());
  }

  /** Resolves once every cache holds a complete list; reconciles run from then on. */
  async start(): Promise<void> {
    await Promise.all([this.jobs, this.services, this.pods, this.nodes].map((i) => i.start()));
    await this.tasks.start();
    this.queue.start();
    this.enqueueAll();
    this.resync = setInterval(() => this.enqueueAll(), this.options.resyncMs ?? 60_000);
    this.log.info('mltask controller started');
  }

  async stop(): Promise<void> {
    if (this.resync) clearInterval(this.resync);
    await this.queue.stop();
    await Promise.all(
      [this.tasks, this.jobs, this.services, this.pods, this.nodes].map((i) => i.stop()),
    );
  }

  /** Waits until nothing is queued or running (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private enqueue(namespace: string | undefined, name: string | undefined): void {
    if (namespace && name) this.queue.add(keyOf(namespace, name));
  }

  private enqueueAll(): void {
    for (const t of this.tasks.list()) this.enqueue(t.metadata.namespace, t.metadata.name);
  }

  /** Node changes matter to tasks still waiting: capacity may now fit, or the reason changed. */
  private enqueueWaiting(): void {
    for (const t of this.tasks.list())
      if (t.status?.phase === undefined || t.status.phase === 'Pending')
        this.enqueue(t.metadata.namespace, t.metadata.name);
  }

  async reconcile(key: Key): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const task = this.tasks.get(name, namespace);
    if (!task || (task as KubernetesObject).metadata?.deletionTimestamp) return;
    const check = checkSpec(task.spec);
    const job = this.jobs.get(name, namespace);
    const service = this.services.get(name, namespace);
    // Only the current Job's pods: an earlier task of the same name may still have some.
    const pods = job
      ? this.pods
          .list(namespace)
          .filter((p) => p.metadata?.labels?.[JOB_UID_LABEL] === job.metadata?.uid)
      : [];
    if (check.valid && !finished(task) && !nameTaken(task, { job, service })) {
      await this.ensureCreated(service, () => renderService(task, check.spec), this.createService);
      await this.ensureCreated(job, () => renderJob(task, check.spec), this.createJob);
    }
    const status = desiredStatus(task, check, {
      job,
      service,
      pods,
      nodes: this.nodes.list(),
      now: new Date().toISOString(),
    });
    if (!sameStatus(task.status, status)) await this.writeStatus(task, status);
  }

  private async ensureCreated<T extends KubernetesObject>(
    existing: T | undefined,
    render: () => T | undefined,
    create: (object: T) => Promise<unknown>,
  ): Promise<void> {
    if (existing) return;
    const object = render();
    if (!object) return;
    try {
      await create(object);
      this.log.info(
        `created ${object.kind} ${object.metadata!.namespace}/${object.metadata!.name}`,
      );
    } catch (error) {
      // Created by a reconcile whose event has not reached the cache yet: the next one sees it.
      if (!isAlreadyExists(error)) throw error;
    }
  }

  private readonly createJob = (job: V1Job) =>
    this.batch.createNamespacedJob({ namespace: job.metadata!.namespace!, body: job });

  private readonly createService = (service: V1Service) =>
    this.core.createNamespacedService({ namespace: service.metadata!.namespace!, body: service });

  private async writeStatus(task: MLTaskObject, status: MLTaskStatus): Promise<void> {
    try {
      await this.custom.patchNamespacedCustomObjectStatus(
        {
          group: MLTASK_GROUP,
          version: MLTASK_VERSION,
          namespace: task.metadata.namespace!,
          plural: MLTASK_PLURAL,
          name: task.metadata.name,
          body: { status },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

function finished(task: MLTaskObject): boolean {
  return task.status?.phase === 'Succeeded' || task.status?.phase === 'Failed';
}
