import { Controller, Get, Header, Optional } from '@nestjs/common';
import { Route } from '../openapi/route.decorator.js';
import { ReconcileQueue } from '../queue/reconcile-queue.js';
import { MetricsService } from './metrics.service.js';

@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Optional() private readonly queue?: ReconcileQueue,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4')
  @Route({
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    tag: 'health',
    responses: { 200: null },
    access: 'public',
  })
  async scrape(): Promise<string> {
    if (this.queue) {
      const counts = await this.queue.queue
        .getJobCounts('active', 'waiting', 'delayed', 'failed')
        .catch(() => undefined);
      for (const [state, count] of Object.entries(counts ?? {})) {
        this.metrics.queueJobs.set({ queue: 'reconcile', state }, count);
      }
      const [oldest] = await this.queue.queue.getJobs(['waiting'], 0, 0, true).catch(() => []);
      this.metrics.queueOldestAge.set(
        { queue: 'reconcile' },
        oldest ? (Date.now() - oldest.timestamp) / 1000 : 0,
      );
    }
    return this.metrics.registry.metrics();
  }
}
