import { randomUUID } from 'node:crypto';
import { NodeWatcher } from '../kube/node-watcher.js';
import type { ClusterHealthRepository } from '../persistence/cluster-health.repository.js';
import { clusterRepairPolicy } from '../domain/auto-repair.js';
import { ClusterCatalog } from './cluster-catalog.js';
import { ClusterWatch } from './cluster-watch.js';
import type { HealthMetrics } from './health-metrics.js';
import {
  assessClusterHealth,
  type ClusterHealthAssessment,
  type RepairHistoryEntry,
  type UnhealthyMachine,
} from './repair-policy.js';
import type { RepairAnswer, RepairRequest, RepairRequester } from './repair-port.js';
import { MonitorMembership } from './membership.js';
import type { TenantConnector, WatchableCluster } from './tenant-connector.js';
import type { HealthMonitorOptions } from './health-monitor-options.js';

export type { HealthMonitorOptions } from './health-monitor-options.js';

export type HealthStore = Pick<
  ClusterHealthRepository,
  | 'watchableVersions'
  | 'watchableClusters'
  | 'watchableMachines'
  | 'findMany'
  | 'saveRepairs'
  | 'saveShortCircuit'
  | 'heartbeat'
  | 'leave'
>;

export interface MonitorLogger {
  log(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
}

const QUIET: MonitorLogger = { log: () => undefined, warn: () => undefined };
/** Repairs older than a day no longer count for backoff or rate limits. */
const HISTORY_MS = 24 * 3600 * 1000;
const HISTORY_MAX = 100;

/**
 * Watches every live tenant cluster's nodes, decides with the pure policy which machines need a
 * repair, and asks the repair requester for them. Clusters come from the database every
 * discovery interval; each has one node watch, and is evaluated on its node events, when a
 * timeout it waits for ends, and on a slow sweep. Accepted repairs and the short-circuit are
 * kept in the cluster_health table so a restart forgets neither.
 */
/** Failed watch cycles in a row after which the kubeconfig is read again. */
const RECONNECT_AFTER_FAILURES = 3;

export class HealthMonitor {
  private readonly membership: MonitorMembership;
  private readonly catalog: ClusterCatalog;
  private readonly watches = new Map<string, ClusterWatch>();
  private discoveryTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private discovering?: Promise<void>;
  private stopped = false;
  private readonly now: () => Date;

  constructor(
    private readonly store: HealthStore,
    private readonly connector: TenantConnector,
    private readonly requester: RepairRequester | undefined,
    private readonly metrics: HealthMetrics,
    private readonly options: HealthMonitorOptions = {},
    private readonly logger: MonitorLogger = QUIET,
  ) {
    this.now = options.now ?? (() => new Date());
    this.catalog = new ClusterCatalog(store);
    this.membership = new MonitorMembership(options.monitorId ?? randomUUID(), store, {
      ...options,
      discoveryIntervalMs: options.discoveryIntervalMs ?? 10_000,
    });
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (!this.requester)
      this.logger.warn('no repair requester bound: unhealthy machines are only reported');
    await this.membership
      .join()
      .catch((error: unknown) =>
        this.logger.warn('cannot write the health monitor heartbeat', { error: String(error) }),
      );
    if (this.stopped) return;
    await this.discover();
    if (this.stopped) return;
    this.discoveryTimer = setInterval(
      () => void this.discover(),
      this.options.discoveryIntervalMs ?? 10_000,
    );
    this.sweepTimer = setInterval(() => this.sweep(), this.options.sweepIntervalMs ?? 30_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.membership.cancelJoin();
    clearInterval(this.discoveryTimer);
    clearInterval(this.sweepTimer);
    await this.discovering;
    const watches = [...this.watches.values()];
    for (const watch of watches) this.unwatch(watch, false);
    await Promise.all(watches.map((w) => w.evaluating));
    await this.membership
      .leave()
      .catch((error: unknown) =>
        this.logger.warn('cannot leave the health monitors', { error: String(error) }),
      );
  }

  watchedClusterIds(): string[] {
    return [...this.watches.keys()];
  }

  /** Clusters whose nodes have been listed at least once: their health can be judged. */
  syncedClusterCount(): number {
    let n = 0;
    for (const watch of this.watches.values()) if (watch.synced()) n++;
    return n;
  }

  /** Reads clusters and machines, starts and stops watches to match. Never runs twice at once. */
  discover(): Promise<void> {
    this.discovering ??= this.discoverNow()
      .catch((error: unknown) =>
        this.logger.warn('health discovery failed', { error: String(error) }),
      )
      .finally(() => (this.discovering = undefined));
    return this.discovering;
  }

  private async discoverNow(): Promise<void> {
    const [share, clusters] = await Promise.all([this.membership.share(), this.catalog.refresh()]);
    if (this.stopped) return;
    this.metrics.monitors.set(share.members);
    const repaired = clusters.filter((c) => clusterRepairPolicy(c.spec).enabled);
    const wanted = new Map(repaired.filter((c) => share.owns(c.id)).map((c) => [c.id, c]));
    const stillRepaired = new Set(repaired.map((c) => c.id));
    const machines = await this.catalog.machinesOf([...wanted.keys()]);
    // A cluster another monitor now watches keeps its short-circuit; one that is gone or no
    // longer repaired loses it.
    for (const watch of this.watches.values())
      if (!wanted.has(watch.cluster.id)) this.unwatch(watch, !stillRepaired.has(watch.cluster.id));
    const fresh: ClusterWatch[] = [];
    const reconnect: ClusterWatch[] = [];
    for (const cluster of wanted.values()) {
      const watch = this.watches.get(cluster.id);
      if (watch) {
        const list = machines.get(cluster.id) ?? [];
        // The catalog hands out the same objects until they change: if none did, nothing to do.
        if (watch.cluster !== cluster || watch.machines !== list) this.schedule(watch);
        watch.cluster = cluster;
        watch.machines = list;
        if (!watch.watcher || watch.watcher.consecutiveFailures() >= RECONNECT_AFTER_FAILURES)
          reconnect.push(watch);
      } else fresh.push(this.newWatch(cluster, machines.get(cluster.id) ?? []));
    }
    await this.startWatches(fresh);
    // A cluster whose API server moved (its control plane was created anew elsewhere, a new
    // endpoint) is watched again from a fresh kubeconfig; its repair history stays.
    for (const watch of reconnect) {
      watch.watcher?.stop();
      watch.watcher = undefined;
      await this.connect(watch);
    }
    this.metrics.watchedClusters.set([...this.watches.values()].filter((w) => w.watcher).length);
  }

  private newWatch(cluster: WatchableCluster, machines: ClusterWatch['machines']): ClusterWatch {
    const watch = new ClusterWatch(cluster);
    watch.machines = machines;
    this.watches.set(cluster.id, watch);
    return watch;
  }

  private async startWatches(fresh: ClusterWatch[]): Promise<void> {
    if (fresh.length === 0) return;
    const stored = await this.store.findMany(fresh.map((w) => w.cluster.id));
    for (const watch of fresh) {
      const row = stored.get(watch.cluster.id);
      watch.history = row?.repairs ?? [];
      watch.shortCircuit = row?.shortCircuit ?? null;
      if (watch.shortCircuit) this.metrics.shortCircuitedClusters.inc();
    }
    let next = 0;
    const worker = async () => {
      while (next < fresh.length && !this.stopped) await this.connect(fresh[next++]!);
    };
    await Promise.all(Array.from({ length: this.options.connectConcurrency ?? 16 }, worker));
    this.options.onWatchesStarted?.(fresh.length);
  }

  /**
   * Starts the node watch; a cluster that cannot be reached yet is tried at the next discovery.
   * Meanwhile it is still judged on what its provider reports (failed machines), not its nodes.
   */
  private async connect(watch: ClusterWatch): Promise<void> {
    try {
      const target = await this.connector.connect(watch.cluster);
      if (watch.stopped) return;
      if (!target) {
        this.schedule(watch);
        return;
      }
      const watcher = new NodeWatcher(
        target.endpoint,
        (event) => {
          this.metrics.nodeEvents.inc();
          watch.apply(event);
          this.schedule(watch);
        },
        {
          ...(target.labelSelector ? { labelSelector: target.labelSelector } : {}),
          ...(this.options.watchTimeoutSeconds
            ? { watchTimeoutSeconds: this.options.watchTimeoutSeconds }
            : {}),
          ...(this.options.watchBackoffMs ? { backoffMs: this.options.watchBackoffMs } : {}),
          onError: (error) =>
            this.logger.warn('node watch failed', {
              clusterId: watch.cluster.id,
              error: String(error),
            }),
        },
      );
      watch.watcher = watcher;
      await watcher.start();
      this.schedule(watch);
    } catch (error) {
      this.schedule(watch);
      this.logger.warn('cannot watch cluster', {
        clusterId: watch.cluster.id,
        error: String(error),
      });
    }
  }

  /** Stops watching; `forget` (repair turned off, cluster deleted) also clears its short-circuit. */
  private unwatch(watch: ClusterWatch, forget: boolean): void {
    watch.stopped = true;
    watch.watcher?.stop();
    clearTimeout(watch.timer);
    this.setUnhealthyCounts(watch, new Map());
    if (watch.shortCircuit) this.metrics.shortCircuitedClusters.dec();
    if (watch.shortCircuit && forget) {
      this.store.saveShortCircuit(watch.cluster.id, null).catch((error: unknown) =>
        this.logger.warn('cannot clear short-circuit', {
          clusterId: watch.cluster.id,
          error: String(error),
        }),
      );
    }
    this.watches.delete(watch.cluster.id);
  }

  private sweep(): void {
    for (const watch of this.watches.values()) this.schedule(watch);
  }

  /** Evaluates soon, once for a burst of events (a relist emits one per node). */
  private schedule(watch: ClusterWatch): void {
    if (watch.stopped || watch.scheduled) return;
    watch.scheduled = true;
    setImmediate(() => {
      watch.scheduled = false;
      void this.evaluate(watch);
    });
  }

  /** Evaluates one cluster now; a call during an evaluation runs once more after it. */
  evaluate(watch: ClusterWatch): Promise<void> {
    if (watch.evaluating) {
      watch.again = true;
      return watch.evaluating;
    }
    watch.evaluating = this.evaluateNow(watch)
      .catch((error: unknown) =>
        this.logger.warn('health evaluation failed', {
          clusterId: watch.cluster.id,
          error: String(error),
        }),
      )
      .finally(() => {
        watch.evaluating = undefined;
        if (watch.again) {
          watch.again = false;
          this.schedule(watch);
        }
      });
    return watch.evaluating;
  }

  private async evaluateNow(watch: ClusterWatch): Promise<void> {
    if (watch.stopped) return;
    const now = this.now();
    const assessment = assessClusterHealth({
      clusterId: watch.cluster.id,
      spec: watch.cluster.spec,
      machines: watch.machines,
      nodes: watch.observedNodes(),
      nodesSynced: watch.synced(),
      history: watch.history,
      now,
    });
    this.setUnhealthyCounts(watch, countByReason(assessment.unhealthy));
    const unhealthyIds = new Set(assessment.unhealthy.map((u) => u.machineId));
    for (const id of watch.reported) if (!unhealthyIds.has(id)) watch.reported.delete(id);
    await this.recordShortCircuit(watch, assessment, now);
    const retryAt = await this.requestRepairs(watch, assessment, now);
    this.wakeAt(watch, earliest(assessment.nextCheckAt?.getTime(), retryAt));
  }

  private async recordShortCircuit(
    watch: ClusterWatch,
    assessment: ClusterHealthAssessment,
    now: Date,
  ): Promise<void> {
    const next = assessment.shortCircuit;
    const current = watch.shortCircuit;
    if (!next && !current) return;
    if (next && current && next.unhealthy === current.unhealthy && next.total === current.total) {
      if (next.maxUnhealthyPercent === current.maxUnhealthyPercent) return;
    }
    const stored = next ? { ...next, since: current?.since ?? now.toISOString() } : null;
    await this.store.saveShortCircuit(watch.cluster.id, stored);
    if (!current && next) {
      this.metrics.shortCircuits.inc();
      this.metrics.shortCircuitedClusters.inc();
      this.logger.warn('auto-repair short-circuited', { clusterId: watch.cluster.id, ...next });
    } else if (current && !next) {
      this.metrics.shortCircuitedClusters.dec();
      this.logger.log('auto-repair no longer short-circuited', { clusterId: watch.cluster.id });
    }
    watch.shortCircuit = stored;
  }

  /** Asks for the allowed repairs in order; returns when to ask again after busy or refused. */
  private async requestRepairs(
    watch: ClusterWatch,
    assessment: ClusterHealthAssessment,
    now: Date,
  ): Promise<number | undefined> {
    const t = now.getTime();
    if (!this.requester || assessment.repairs.length === 0) return undefined;
    if (watch.busyUntil > t) return watch.busyUntil;
    let retryAt: number | undefined;
    const byId = new Map(assessment.unhealthy.map((u) => [u.machineId, u]));
    for (const request of assessment.repairs) {
      const refusedUntil = watch.refusedUntil.get(request.machineId) ?? 0;
      if (refusedUntil > t) {
        retryAt = earliest(retryAt, refusedUntil);
        continue;
      }
      const answer = await this.ask(request);
      this.observeDetection(watch, byId.get(request.machineId), now);
      if (answer === 'accepted')
        await this.remember(watch, request, byId.get(request.machineId), now);
      else if (answer === 'refused') {
        watch.refusedUntil.set(request.machineId, t + (this.options.refusedRetryMs ?? 60_000));
        retryAt = earliest(retryAt, watch.refusedUntil.get(request.machineId));
      } else {
        watch.busyUntil = t + (this.options.busyRetryMs ?? 5_000);
        return earliest(retryAt, watch.busyUntil);
      }
    }
    return retryAt;
  }

  private async ask(request: RepairRequest): Promise<RepairAnswer | 'error'> {
    let answer: RepairAnswer | 'error';
    try {
      answer = await this.requester!.requestRepair(request);
    } catch (error) {
      this.logger.warn('repair request failed', { ...request, error: String(error) });
      answer = 'error';
    }
    this.metrics.repairRequests.inc({ reason: request.reason, answer });
    this.logger.log('repair requested', { ...request, answer });
    return answer;
  }

  private observeDetection(
    watch: ClusterWatch,
    unhealthy: UnhealthyMachine | undefined,
    now: Date,
  ) {
    if (!unhealthy || watch.reported.has(unhealthy.machineId)) return;
    watch.reported.add(unhealthy.machineId);
    this.metrics.detectionDelay.observe(
      Math.max(0, now.getTime() - unhealthy.since.getTime()) / 1000,
    );
  }

  private async remember(
    watch: ClusterWatch,
    request: RepairRequest,
    unhealthy: UnhealthyMachine | undefined,
    now: Date,
  ): Promise<void> {
    const entry: RepairHistoryEntry = {
      machineId: request.machineId,
      role: unhealthy?.role ?? 'worker',
      reason: request.reason,
      at: now.toISOString(),
    };
    const from = now.getTime() - HISTORY_MS;
    watch.history = [...watch.history, entry]
      .filter((h) => Date.parse(h.at) > from)
      .slice(-HISTORY_MAX);
    watch.reported.delete(request.machineId);
    await this.store.saveRepairs(watch.cluster.id, watch.history);
  }

  private wakeAt(watch: ClusterWatch, at: number | undefined): void {
    clearTimeout(watch.timer);
    watch.timer = undefined;
    if (at === undefined || watch.stopped) return;
    const delay = Math.min(Math.max(0, at - this.now().getTime()) + 10, 2 ** 31 - 1);
    watch.timer = setTimeout(() => this.schedule(watch), delay);
  }

  private setUnhealthyCounts(watch: ClusterWatch, counts: Map<string, number>): void {
    for (const reason of new Set([...counts.keys(), ...watch.unhealthyByReason.keys()])) {
      const delta = (counts.get(reason) ?? 0) - (watch.unhealthyByReason.get(reason) ?? 0);
      if (delta > 0) this.metrics.unhealthyMachines.inc({ reason }, delta);
      else if (delta < 0) this.metrics.unhealthyMachines.dec({ reason }, -delta);
    }
    watch.unhealthyByReason = counts;
  }
}

function countByReason(unhealthy: readonly UnhealthyMachine[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const u of unhealthy) counts.set(u.reason, (counts.get(u.reason) ?? 0) + 1);
  return counts;
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
