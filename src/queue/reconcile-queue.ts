import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { CONFIG, type Config } from '../config/config.js';
import { createRedis, withTimeout } from './redis.js';
import { QUEUES, reconcileJobId, type JobPayloads } from './jobs.js';

/**
 * Enqueues reconciles. A failure to enqueue never fails the request that recorded the work:
 * the Operation is in the database and the periodic resync enqueues it again.
 */
@Injectable()
export class ReconcileQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(ReconcileQueue.name);
  readonly connection: Redis;
  readonly queue: Queue<JobPayloads['reconcile-cluster']>;

  constructor(@Inject(CONFIG) config: Config) {
    this.connection = createRedis(config.KAAS_REDIS_URL, 'producer');
    this.queue = new Queue(QUEUES.reconcile, {
      connection: this.connection,
      prefix: config.KAAS_QUEUE_PREFIX,
    });
    this.queue.on('error', () => undefined);
  }

  async enqueue(clusterId: string): Promise<boolean> {
    try {
      await withTimeout(this.enqueueNow(clusterId), 2_000, 'Redis');
      return true;
    } catch (error) {
      this.logger.warn(`could not enqueue cluster ${clusterId}; the resync will: ${String(error)}`);
      return false;
    }
  }

  /**
   * Enqueues a periodic pass over many clusters spread evenly over `windowMs`, so that it is a
   * steady trickle rather than a burst: in one process with the API and the embedded database,
   * a hundred passes at once hold up the requests that arrive meanwhile. A cluster whose job
   * already exists keeps it (its pass is coming anyway, and a change brings it forward).
   */
  async enqueueSpread(clusterIds: readonly string[], windowMs: number): Promise<void> {
    const step = clusterIds.length > 1 ? Math.max(0, windowMs) / clusterIds.length : 0;
    await withTimeout(
      this.queue.addBulk(
        clusterIds.map((clusterId, i) => ({
          name: 'reconcile-cluster',
          data: { clusterId },
          opts: { ...this.jobOptions(clusterId), delay: Math.floor(i * step) },
        })),
      ),
      5_000,
      'Redis',
    );
  }

  private jobOptions(clusterId: string) {
    return {
      jobId: reconcileJobId(clusterId),
      removeOnComplete: true,
      removeOnFail: true,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1_000 },
    };
  }

  private async enqueueNow(clusterId: string): Promise<void> {
    const jobId = reconcileJobId(clusterId);
    await this.queue.add('reconcile-cluster', { clusterId }, this.jobOptions(clusterId));
    // The add is a no-op while the cluster's job exists. Delayed: bring it forward. Running:
    // it may have read the old spec already, so leave a follow-up (deduplicated by its id);
    // while the lease is held it just waits its turn.
    const existing = await this.queue.getJob(jobId);
    if (existing && (await existing.isDelayed())) {
      await existing.promote().catch(() => undefined);
    } else if (existing && (await existing.isActive())) {
      await this.queue.add(
        'reconcile-cluster',
        { clusterId },
        { jobId: `${jobId}-next`, removeOnComplete: true, removeOnFail: true, delay: 200 },
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.connection.disconnect();
  }
}
