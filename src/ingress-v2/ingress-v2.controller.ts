import {
  CoreV1Api,
  DiscoveryV1Api,
  NetworkingV1Api,
  type KubeConfig,
  type V1EndpointSlice,
  type V1Ingress,
  type V1IngressClass,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import { kubeMessage } from '../kube/kube-errors.js';
import { KeyedQueue } from '../mltask/keyed-queue.js';
import { ResilientInformer } from '../mltask/resilient-informer.js';
import type { ClusterView } from './desired-state.js';
import { SERVICE_NAME_LABEL, hasMemberGate } from './endpoints.js';
import { ReadinessGateWriter } from './gate-writer.js';
import {
  IngressClassifier,
  backendServices,
  ingressKey,
  referencesService,
  selects,
} from './ingress-class.js';
import type { IngressReconciler, ReconcileResult } from './ingress-reconciler.js';
import type { LoadBalancerLifecycle } from './lb-lifecycle.js';

export interface ControllerLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface IngressV2ControllerOptions {
  reconciler: IngressReconciler;
  lifecycle: LoadBalancerLifecycle;
  resyncMs: number;
  gatePollMs: number;
  concurrency?: number;
  log?: ControllerLog;
  /** Called after every reconcile that succeeded (tests watch convergence through it). */
  onReconciled?: (result: ReconcileResult) => void;
}

/** Queue keys with this prefix only re-read member status; the rest of the key names the load balancer. */
const GATE_CHECK = 'gate-check|';

const consoleLog: ControllerLog = {
  info: (m) => console.log(JSON.stringify({ level: 'info', msg: m })),
  warn: (m) => console.warn(JSON.stringify({ level: 'warn', msg: m })),
};

/**
 * The Ingress v2 controller: watches Ingresses of its classes, Services, EndpointSlices and
 * pods, and keeps one Octavia load balancer per Ingress (or group) equal to what they say.
 * Level-triggered: an event only queues the load balancer keys it may concern; a reconcile
 * reads everything from the caches and Octavia. A periodic resync queues every key again and
 * garbage-collects load balancers tagged for this cluster whose Ingresses are gone, so missed
 * events and restarts converge.
 */
export class IngressV2Controller {
  private readonly ingresses: ResilientInformer<V1Ingress>;
  private readonly classes: ResilientInformer<V1IngressClass>;
  private readonly services: ResilientInformer<V1Service>;
  private readonly slices: ResilientInformer<V1EndpointSlice>;
  private readonly pods: ResilientInformer<V1Pod>;
  private readonly queue: KeyedQueue;
  private readonly log: ControllerLog;
  private readonly classifier: IngressClassifier;
  private readonly gates: ReadinessGateWriter;
  /** The key each Ingress was last seen under, so a change of group reconciles the old key. */
  private readonly lastKey = new Map<string, string>();
  private readonly polls = new Map<string, NodeJS.Timeout>();
  private resync: NodeJS.Timeout | undefined;
  private stopped = false;
  readonly view: ClusterView;

  constructor(
    config: KubeConfig,
    private readonly options: IngressV2ControllerOptions,
  ) {
    this.log = options.log ?? consoleLog;
    const core = config.makeApiClient(CoreV1Api);
    const networking = config.makeApiClient(NetworkingV1Api);
    const discovery = config.makeApiClient(DiscoveryV1Api);
    this.ingresses = new ResilientInformer(
      config,
      '/apis/networking.k8s.io/v1/ingresses',
      () => networking.listIngressForAllNamespaces(),
      this.log,
    );
    this.classes = new ResilientInformer(
      config,
      '/apis/networking.k8s.io/v1/ingressclasses',
      () => networking.listIngressClass(),
      this.log,
    );
    this.services = new ResilientInformer(
      config,
      '/api/v1/services',
      () => core.listServiceForAllNamespaces(),
      this.log,
    );
    this.slices = new ResilientInformer(
      config,
      '/apis/discovery.k8s.io/v1/endpointslices',
      () => discovery.listEndpointSliceForAllNamespaces(),
      this.log,
    );
    this.pods = new ResilientInformer(
      config,
      '/api/v1/pods',
      () => core.listPodForAllNamespaces(),
      this.log,
    );
    this.classifier = new IngressClassifier(() => this.classes.list());
    this.gates = new ReadinessGateWriter(core, (ns, name) => this.pods.get(name, ns));
    this.view = {
      service: (ns, name) => this.services.get(name, ns),
      slices: (ns, service) =>
        this.slices.list(ns).filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === service),
      pod: (ns, name) => this.pods.get(name, ns),
    };
    this.queue = new KeyedQueue((key) => this.reconcile(key), {
      concurrency: options.concurrency ?? 4,
      onError: (key, error) => this.log.warn(`reconcile of ${key} failed: ${kubeMessage(error)}`),
    });
    this.ingresses.onChange((i) => this.ingressChanged(i));
    this.classes.onChange(() => this.enqueueAll());
    this.services.onChange((s) => this.enqueueReferencing(s.metadata?.namespace, s.metadata?.name));
    this.slices.onChange((s) =>
      this.enqueueReferencing(s.metadata?.namespace, s.metadata?.labels?.[SERVICE_NAME_LABEL]),
    );
    this.pods.onChange((p) => {
      if (hasMemberGate(p)) this.enqueueNamespace(p.metadata?.namespace);
    });
  }

  async start(): Promise<void> {
    this.stopped = false;
    await Promise.all([this.classes, this.services, this.slices, this.pods].map((i) => i.start()));
    await this.ingresses.start();
    this.queue.start();
    // A cloud that does not answer yet must not stop the controller: the next resync retries.
    const resync = () =>
      this.resyncAll().catch((error: unknown) =>
        this.log.warn(`resync failed: ${kubeMessage(error)}`),
      );
    await resync();
    this.resync = setInterval(() => void resync(), this.options.resyncMs);
    this.log.info('ingress-v2 controller started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resync) clearInterval(this.resync);
    for (const timer of this.polls.values()) clearTimeout(timer);
    this.polls.clear();
    await this.queue.stop();
    await Promise.all(
      [this.ingresses, this.classes, this.services, this.slices, this.pods].map((i) => i.stop()),
    );
  }

  /** Waits until nothing is queued or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Queues every key with Ingresses, and every key Octavia has a load balancer for but no Ingress. */
  async resyncAll(): Promise<void> {
    this.enqueueAll();
    const live = new Set(this.ours().map(ingressKey));
    for (const { key } of await this.options.lifecycle.listOwned())
      if (!live.has(key)) this.queue.add(key);
  }

  /**
   * Whether a pod being created will be behind one of our load balancers: a Service that an
   * Ingress v2 of its namespace routes to selects it. The gate webhook asks this.
   */
  wantsGate(pod: V1Pod, namespace: string): boolean {
    const labels = pod.metadata?.labels ?? {};
    return this.ours().some(
      (ingress) =>
        ingress.metadata?.namespace === namespace &&
        backendServices(ingress).some((name) =>
          selects(this.services.get(name, namespace)?.spec?.selector, labels),
        ),
    );
  }

  private ours(): V1Ingress[] {
    return this.ingresses
      .list()
      .filter((i) => this.classifier.isOurs(i) && !i.metadata?.deletionTimestamp);
  }

  private async reconcile(key: string): Promise<void> {
    if (this.stopped) return;
    if (key.startsWith(GATE_CHECK)) return this.checkGates(key.slice(GATE_CHECK.length));
    const ingresses = this.ours().filter((i) => ingressKey(i) === key);
    const result = await this.options.reconciler.reconcile(key, ingresses, this.view);
    const waiting = await this.gates.update(key, result.members);
    if (result.changes > 0)
      this.log.info(
        `${key}: ${result.deleted ? 'deleted' : `in step at ${result.address}`} (${result.changes} changes)`,
      );
    if (waiting > 0) this.pollLater(key);
    this.options.onReconciled?.(result);
  }

  /**
   * Octavia's member status changes send no event: while pods wait on their gate, their
   * members' status is read again (the status tree only, not a whole reconcile).
   */
  private pollLater(key: string): void {
    if (this.polls.has(key) || this.stopped) return;
    const timer = setTimeout(() => {
      this.polls.delete(key);
      if (!this.stopped) this.queue.add(`${GATE_CHECK}${key}`);
    }, this.options.gatePollMs);
    this.polls.set(key, timer);
  }

  private async checkGates(key: string): Promise<void> {
    const members = await this.options.lifecycle.memberStatus(key);
    if ((await this.gates.update(key, members)) > 0) this.pollLater(key);
  }

  private ingressChanged(ingress: V1Ingress): void {
    const id = `${ingress.metadata?.namespace}/${ingress.metadata?.name}`;
    const previous = this.lastKey.get(id);
    const key = ingressKey(ingress);
    this.lastKey.set(id, key);
    if (previous && previous !== key) this.queue.add(previous);
    this.queue.add(key);
  }

  private enqueueAll(): void {
    for (const ingress of this.ours()) this.queue.add(ingressKey(ingress));
  }

  private enqueueReferencing(namespace: string | undefined, service: string | undefined): void {
    if (!namespace || !service) return;
    for (const ingress of this.ours())
      if (referencesService(ingress, namespace, service)) this.queue.add(ingressKey(ingress));
  }

  private enqueueNamespace(namespace: string | undefined): void {
    for (const ingress of this.ours())
      if (ingress.metadata?.namespace === namespace) this.queue.add(ingressKey(ingress));
  }
}
