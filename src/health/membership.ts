import type { ClusterHealthRepository } from '../persistence/cluster-health.repository.js';
import type { HealthMonitorOptions } from './health-monitor-options.js';
import { ownerOf } from './shards.js';

export type MembershipStore = Pick<ClusterHealthRepository, 'heartbeat' | 'leave'>;

export type MembershipOptions = Pick<HealthMonitorOptions, 'memberTimeoutMs' | 'joinDelayMs'> & {
  /** How often the monitor discovers, and so writes its heartbeat. */
  discoveryIntervalMs: number;
};

/**
 * One health monitor among the running ones (ADR 0015): its heartbeat in `health_monitors`,
 * the members it reads back, and which clusters are its share.
 */
export class MonitorMembership {
  private joining?: { timer: NodeJS.Timeout; done: () => void };

  constructor(
    readonly id: string,
    private readonly store: MembershipStore,
    private readonly options: MembershipOptions,
  ) {}

  /**
   * Says this monitor is running, then waits a moment before it takes its share. Without the
   * wait, monitors starting together would each find only themselves and watch every cluster
   * until their next discovery. A monitor that starts while others run sees them at once.
   */
  async join(): Promise<void> {
    await this.store.heartbeat(this.id, this.timeoutSeconds());
    const delay = this.options.joinDelayMs ?? Math.min(2_000, this.options.discoveryIntervalMs / 5);
    if (delay <= 0) return;
    await new Promise<void>((done) => {
      this.joining = { timer: setTimeout(done, delay), done };
    });
    this.joining = undefined;
  }

  /** Ends a join's wait at once (the monitor is stopping). */
  cancelJoin(): void {
    if (!this.joining) return;
    clearTimeout(this.joining.timer);
    this.joining.done();
  }

  /** Writes the heartbeat and answers a test of which clusters are this monitor's. */
  async share(): Promise<{ members: number; owns: (clusterId: string) => boolean }> {
    const members = await this.store.heartbeat(this.id, this.timeoutSeconds());
    // Not among the members it just wrote itself into (a clock jump): it watches everything
    // rather than nothing.
    if (!members.includes(this.id)) return { members: members.length, owns: () => true };
    return { members: members.length, owns: (id) => ownerOf(id, members) === this.id };
  }

  leave(): Promise<void> {
    return this.store.leave(this.id);
  }

  private timeoutSeconds(): number {
    return (this.options.memberTimeoutMs ?? 3 * this.options.discoveryIntervalMs) / 1000;
  }
}
