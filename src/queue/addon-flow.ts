import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { CONFIG, type Config } from '../config/config.js';
import { createRedis } from './redis.js';
import { addonsFlowJobId, QUEUES, type JobPayloads } from './jobs.js';

/**
 * Starts add-on work as a BullMQ flow: one child job per add-on (retried with exponential
 * backoff), and a parent that runs when they have all finished, failed ones included.
 */
@Injectable()
export class AddonFlow implements OnApplicationShutdown {
  private readonly connection: Redis;
  private readonly producer: FlowProducer;
  readonly queue: Queue<JobPayloads['reconcile-addon'] | JobPayloads['addons-finished']>;

  constructor(@Inject(CONFIG) private readonly config: Config) {
    this.connection = createRedis(config.KAAS_REDIS_URL, 'producer');
    const prefix = config.KAAS_QUEUE_PREFIX;
    this.producer = new FlowProducer({ connection: this.connection, prefix });
    this.producer.on('error', () => undefined);
    this.queue = new Queue(QUEUES.addons, { connection: this.connection, prefix });
    this.queue.on('error', () => undefined);
  }

  /** Whether the cluster's flow is queued or running. */
  async running(clusterId: string): Promise<boolean> {
    const job = await this.queue.getJob(addonsFlowJobId(clusterId));
    if (!job) return false;
    const state = await job.getState();
    return state !== 'completed' && state !== 'failed' && state !== 'unknown';
  }

  async start(clusterId: string, addons: string[]): Promise<void> {
    const parentId = addonsFlowJobId(clusterId);
    await this.producer.add({
      name: 'addons-finished',
      queueName: QUEUES.addons,
      data: { clusterId },
      opts: { jobId: parentId, removeOnComplete: true, removeOnFail: true },
      children: addons.map((addon) => ({
        name: 'reconcile-addon',
        queueName: QUEUES.addons,
        data: { clusterId, addon },
        opts: {
          jobId: `${parentId}-${addon}`,
          attempts: this.config.KAAS_ADDON_ATTEMPTS,
          backoff: { type: 'exponential', delay: this.config.KAAS_RETRY_BASE_SECONDS * 1000 },
          removeOnComplete: true,
          removeOnFail: true,
          ignoreDependencyOnFailure: true,
        },
      })),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    this.connection.disconnect();
  }
}
