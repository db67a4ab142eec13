import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { CONFIG, type Config } from '../config/config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import {
  ClusterReconciler,
  type ReconcileOutcome,
} from '../reconcilers/cluster/cluster.reconciler.js';
import { sleep } from '../common/concurrency.js';
import { DATABASE } from '../persistence/repositories.js';
import { repositories } from '../persistence/repositories.js';
import type { DatabaseHandle } from '../persistence/database.js';
import { createRedis, withTimeout } from './redis.js';
import {
  QUEUES,
  RESYNC_SCHEDULER_ID,
  SWEEP_SCHEDULER_ID,
  OBSERVE_SCHEDULER_ID,
  type JobName,
  type JobPayloads,
} from './jobs.js';
import { OrphanSweeper } from './orphan-sweeper.js';
import { ReconcileQueue } from './reconcile-queue.js';
import { AddonJob } from '../addons/addon-job.js';
import { TerminalError } from '../domain/errors.js';

/** Requeues this soon are waited out in process, within this much time per job. */
const IN_PROCESS_WAIT_MS = 2_500;
const IN_PROCESS_BUDGET_MS = 20_000;
/** The share of the observe interval over which its passes are spread. */
const OBSERVE_SPREAD = 0.8;

type Handler<N extends JobName> = (
  job: Job<JobPayloads[N]>,
  token: string | undefined,
) => Promise<void>;

/**
 * Runs the BullMQ workers. Every job name has exactly one handler (the compiler checks the
 * map; a job of an unknown name fails without retry).
 */
@Injectable()
export class WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('worker');
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];
  private maintenance?: Queue;
  private closing = false;

  private readonly handlers: { [N in JobName]: Handler<N> } = {
    'reconcile-cluster': (job, token) => this.handleReconcile(job, token),
    'resync-clusters': () => this.handleResync(),
    'reconcile-addon': (job) => this.handleAddon(job),
    'addons-finished': async (job) => {
      await this.queue.enqueue(job.data.clusterId);
    },
    'sweep-orphans': async () => {
      await this.sweeper.sweep();
    },
    'observe-clusters': async () => {
      const ids = await repositories(this.database.db).clusters.findLiveIds();
      // Spread over most of the interval, so each cluster is still observed once per interval.
      const windowMs = this.config.KAAS_OBSERVE_INTERVAL_SECONDS * 1000 * OBSERVE_SPREAD;
      await this.queue.enqueueSpread(ids, windowMs);
    },
  };

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    private readonly reconciler: ClusterReconciler,
    private readonly queue: ReconcileQueue,
    private readonly metrics: MetricsService,
    private readonly addonJob: AddonJob,
    private readonly sweeper: OrphanSweeper,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const prefix = this.config.KAAS_QUEUE_PREFIX;
    const stalledMs = this.config.KAAS_JOB_STALLED_SECONDS * 1000;
    for (const [queue, concurrency] of [
      [QUEUES.reconcile, this.config.KAAS_WORKER_CONCURRENCY],
      [QUEUES.maintenance, 1],
      [QUEUES.addons, this.config.KAAS_WORKER_CONCURRENCY],
    ] as const) {
      const connection = createRedis(this.config.KAAS_REDIS_URL, 'worker');
      this.connections.push(connection);
      const worker = new Worker(queue, (job, token) => this.dispatch(job, token), {
        connection,
        prefix,
        concurrency,
        lockDuration: stalledMs,
        stalledInterval: Math.max(1_000, stalledMs / 2),
        maxStalledCount: 1_000,
      });
      worker.on('error', (error) => this.logger.warn(`queue ${queue}: ${error.message}`));
      worker.on('failed', (job, error) =>
        this.logger.warn(`job ${job?.id ?? '?'} failed: ${error.message}`),
      );
      this.workers.push(worker);
    }
    const connection = createRedis(this.config.KAAS_REDIS_URL, 'worker');
    this.connections.push(connection);
    this.maintenance = new Queue(QUEUES.maintenance, { connection, prefix });
    this.maintenance.on('error', () => undefined);
    const every = this.config.KAAS_RESYNC_INTERVAL_SECONDS * 1000;
    if (every > 0) {
      await this.maintenance.upsertJobScheduler(
        RESYNC_SCHEDULER_ID,
        { every },
        {
          name: 'resync-clusters',
          data: {},
          opts: { removeOnComplete: true, removeOnFail: 100 },
        },
      );
    }
    await this.schedule(SWEEP_SCHEDULER_ID, this.config.KAAS_ORPHAN_SWEEP_INTERVAL_SECONDS);
    await this.schedule(OBSERVE_SCHEDULER_ID, this.config.KAAS_OBSERVE_INTERVAL_SECONDS);
    // Start by catching up on whatever a previous process left unfinished.
    void this.handleResync().catch((error: unknown) =>
      this.logger.warn(`initial resync failed: ${String(error)}`),
    );
    this.logger.log(
      `workers started (reconcile concurrency ${this.config.KAAS_WORKER_CONCURRENCY})`,
    );
  }

  /** One job every `seconds` across all workers (BullMQ's scheduler); 0 removes it. */
  private async schedule(
    id: typeof SWEEP_SCHEDULER_ID | typeof OBSERVE_SCHEDULER_ID,
    seconds: number,
  ): Promise<void> {
    if (seconds <= 0) {
      await this.maintenance!.removeJobScheduler(id);
      return;
    }
    await this.maintenance!.upsertJobScheduler(
      id,
      { every: seconds * 1000 },
      { name: id, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }

  private async dispatch(job: Job, token: string | undefined): Promise<void> {
    const handler = this.handlers[job.name as JobName] as Handler<JobName> | undefined;
    if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}"`);
    await handler(job, token);
  }

  private async handleReconcile(
    job: Job<JobPayloads['reconcile-cluster']>,
    token: string | undefined,
  ): Promise<void> {
    const started = Date.now();
    let outcome = await this.reconcileOnce(job.data.clusterId);
    // A short wait (a machine due in a moment) is waited out here: a round trip through
    // Redis's delayed set would add its own latency to every step. Long waits, and waits
    // during shutdown, go back to the queue and free the slot.
    while (
      outcome.requeueAfterMs !== undefined &&
      outcome.requeueAfterMs <= IN_PROCESS_WAIT_MS &&
      Date.now() - started < IN_PROCESS_BUDGET_MS &&
      !this.closing
    ) {
      await sleep(outcome.requeueAfterMs);
      outcome = await this.reconcileOnce(job.data.clusterId);
    }
    if (outcome.requeueAfterMs !== undefined && token) {
      // Requeue under the same job id, like controller-runtime's RequeueAfter.
      await job.moveToDelayed(Date.now() + outcome.requeueAfterMs, token);
      throw new DelayedError();
    }
  }

  /** A terminal failure is recorded on the add-on and not retried; others retry with backoff. */
  private async handleAddon(job: Job<JobPayloads['reconcile-addon']>): Promise<void> {
    const { clusterId, addon } = job.data;
    const attempt = { number: job.attemptsMade + 1, max: job.opts.attempts ?? 1 };
    try {
      const result = await this.addonJob.run(clusterId, addon, attempt);
      this.logger.debug(`add-on ${addon} of cluster ${clusterId}: ${result}`);
    } catch (error) {
      if (error instanceof TerminalError) throw new UnrecoverableError(error.message);
      throw error;
    }
  }

  private async reconcileOnce(clusterId: string): Promise<ReconcileOutcome> {
    const stop = this.metrics.reconcileDuration.startTimer();
    const outcome = await this.reconciler.reconcile(clusterId);
    const seconds = stop();
    this.logger.debug(
      `reconcile ${clusterId}: ${outcome.result}` +
        `${outcome.requeueAfterMs !== undefined ? `, again in ${outcome.requeueAfterMs} ms` : ''} (${seconds.toFixed(3)} s)`,
    );
    this.metrics.reconciles.inc({ result: outcome.result });
    if (outcome.result === 'retrying' || outcome.result === 'failed') {
      this.metrics.reconcileErrors.inc({
        kind: outcome.result === 'failed' ? 'terminal' : 'transient',
      });
    }
    return outcome;
  }

  private async handleResync(): Promise<void> {
    const repos = repositories(this.database.db);
    const ids = await repos.clusters.findNeedingResync(10_000);
    for (const id of ids) await this.queue.enqueue(id);
    if (ids.length > 0) this.logger.debug(`resync enqueued ${ids.length} clusters`);
    const ttlMs = this.config.KAAS_IDEMPOTENCY_TTL_HOURS * 3_600_000;
    const forgotten = await repos.idempotency.deleteOlderThan(new Date(Date.now() - ttlMs));
    if (forgotten > 0) this.logger.debug(`forgot ${forgotten} expired idempotency keys`);
  }

  /** Stops taking jobs and waits for the running ones, up to the shutdown timeout. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    const timeoutMs = this.config.KAAS_SHUTDOWN_TIMEOUT_SECONDS * 1000;
    await withTimeout(
      Promise.all(this.workers.map((w) => w.close())),
      timeoutMs,
      'worker shutdown',
    ).catch(async (error: unknown) => {
      this.logger.warn(`${String(error)}; handing the remaining jobs back`);
      await Promise.all(this.workers.map((w) => w.close(true)));
    });
    await this.maintenance?.close().catch(() => undefined);
    for (const c of this.connections) c.disconnect();
  }

  async queueCounts(): Promise<Record<string, Record<string, number>>> {
    const counts: Record<string, Record<string, number>> = {};
    counts[QUEUES.reconcile] = await this.queue.queue.getJobCounts(
      'active',
      'waiting',
      'delayed',
      'failed',
    );
    return counts;
  }
}
