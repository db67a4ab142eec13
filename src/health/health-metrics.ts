import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The health monitor's metrics, registered beside the others in MetricsService's registry. */
export class HealthMetrics {
  readonly watchedClusters: Gauge;
  readonly unhealthyMachines: Gauge<'reason'>;
  readonly shortCircuitedClusters: Gauge;
  readonly shortCircuits: Counter;
  readonly repairRequests: Counter<'reason' | 'answer'>;
  readonly detectionDelay: Histogram;
  readonly nodeEvents: Counter;
  readonly monitors: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.watchedClusters = new Gauge({
      name: 'kaas_health_watched_clusters',
      help: 'Tenant clusters whose nodes the health monitor watches',
      registers,
    });
    this.unhealthyMachines = new Gauge({
      name: 'kaas_health_unhealthy_machines',
      help: 'Machines the health monitor finds unhealthy, by reason',
      labelNames: ['reason'] as const,
      registers,
    });
    this.shortCircuitedClusters = new Gauge({
      name: 'kaas_health_short_circuited_clusters',
      help: 'Clusters whose automatic repair is short-circuited (too many unhealthy machines)',
      registers,
    });
    this.shortCircuits = new Counter({
      name: 'kaas_health_short_circuits_total',
      help: 'Times a cluster entered the short-circuit',
      registers,
    });
    this.repairRequests = new Counter({
      name: 'kaas_health_repair_requests_total',
      help: 'Repairs asked for, by reason and answer (accepted, busy, refused, error)',
      labelNames: ['reason', 'answer'] as const,
      registers,
    });
    this.detectionDelay = new Histogram({
      name: 'kaas_health_detection_delay_seconds',
      help: 'Time from a machine turning unhealthy under its policy to its first repair request',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    this.nodeEvents = new Counter({
      name: 'kaas_health_node_events_total',
      help: 'Node events received from tenant clusters (watch events and relist differences)',
      registers,
    });
    this.monitors = new Gauge({
      name: 'kaas_health_monitors',
      help: 'Health monitors running, as this one last read them; they share the clusters out',
      registers,
    });
  }
}
