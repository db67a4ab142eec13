import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric kaas exports, defined once; names follow Prometheus conventions. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'kaas_http_requests_total',
    help: 'HTTP requests by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'kaas_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly reconciles = new Counter({
    name: 'kaas_reconcile_total',
    help: 'Cluster reconcile passes by result (converged, waiting, retrying, failed, ...)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly reconcileErrors = new Counter({
    name: 'kaas_reconcile_errors_total',
    help: 'Reconcile passes that ended in an error, transient or terminal',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly reconcileDuration = new Histogram({
    name: 'kaas_reconcile_duration_seconds',
    help: 'Duration of one reconcile pass',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly queueJobs = new Gauge({
    name: 'kaas_queue_jobs',
    help: 'Jobs per queue and state, read when scraped',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly operationDuration = new Histogram({
    name: 'kaas_operation_duration_seconds',
    help: 'Time from request to final status of an Operation, by type and outcome',
    labelNames: ['type', 'status'] as const,
    buckets: [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 3600],
    registers: [this.registry],
  });

  readonly queueOldestAge = new Gauge({
    name: 'kaas_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting in each queue, read when scraped',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  readonly providerRequests = new Counter({
    name: 'kaas_provider_requests_total',
    help: 'Calls to infrastructure providers by provider, method and outcome (ok, transient, terminal, error)',
    labelNames: ['provider', 'method', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly providerDuration = new Histogram({
    name: 'kaas_provider_request_duration_seconds',
    help: 'Latency of infrastructure provider calls by provider and method',
    labelNames: ['provider', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'kaas_' });
  }
}
