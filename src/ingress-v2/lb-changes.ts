import { TransientError } from '../domain/errors.js';
import { OpenStackHttpError } from '../providers/openstack/http.js';
import type { OctaviaClient, OctaviaLoadBalancer } from '../providers/openstack/octavia.js';

export interface ChangeTiming {
  /** How long one change may keep the load balancer out of ACTIVE. */
  activeTimeoutMs: number;
  pollMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_TIMING: ChangeTiming = {
  activeTimeoutMs: 5 * 60_000,
  pollMs: 500,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The load balancer went to ERROR: it is replaced on the next reconcile. */
export class LoadBalancerFailedError extends Error {
  constructor(readonly loadBalancerId: string) {
    super(`load balancer ${loadBalancerId} is in ERROR`);
    this.name = 'LoadBalancerFailedError';
  }
}

const isBusy = (error: unknown) =>
  error instanceof OpenStackHttpError &&
  error.status === 409 &&
  /PENDING_|immutable/i.test(error.detail);

/**
 * Octavia takes one change of a load balancer at a time: after each, the load balancer is
 * PENDING_UPDATE and refuses the next with 409 until it is ACTIVE again. Every change goes
 * through here: wait for ACTIVE, act, wait for ACTIVE; a 409 that slipped between is retried.
 * The count of changes lets a caller see that a converged load balancer needed none.
 */
export class LoadBalancerChanges {
  count = 0;
  readonly log: string[] = [];

  constructor(
    readonly octavia: OctaviaClient,
    readonly loadBalancerId: string,
    private readonly timing: ChangeTiming = DEFAULT_TIMING,
  ) {}

  async change<T>(what: string, work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.waitActive();
      try {
        const result = await work();
        this.count++;
        this.log.push(what);
        await this.waitActive();
        return result;
      } catch (error) {
        if (!isBusy(error) || attempt >= 5) throw error;
      }
    }
  }

  /** Resolves when the load balancer is ACTIVE; ERROR and a vanished load balancer throw. */
  async waitActive(): Promise<OctaviaLoadBalancer> {
    return waitForLoadBalancer(this.octavia, this.loadBalancerId, this.timing);
  }
}

export async function waitForLoadBalancer(
  octavia: OctaviaClient,
  id: string,
  timing: ChangeTiming = DEFAULT_TIMING,
): Promise<OctaviaLoadBalancer> {
  const deadline = Date.now() + timing.activeTimeoutMs;
  for (;;) {
    const lb = await octavia.getLoadBalancer(id);
    if (!lb) throw new TransientError(`load balancer ${id} disappeared`, 'LoadBalancerGone');
    if (lb.provisioning_status === 'ACTIVE') return lb;
    if (lb.provisioning_status === 'ERROR') throw new LoadBalancerFailedError(id);
    if (Date.now() > deadline)
      throw new TransientError(
        `load balancer ${id} still ${lb.provisioning_status} after ${timing.activeTimeoutMs} ms`,
        'LoadBalancerBusy',
      );
    await timing.sleep(timing.pollMs);
  }
}

/** Waits until a deleted load balancer is gone (its VIP port and amphora go with it). */
export async function waitForLoadBalancerGone(
  octavia: OctaviaClient,
  id: string,
  timing: ChangeTiming = DEFAULT_TIMING,
): Promise<void> {
  const deadline = Date.now() + timing.activeTimeoutMs;
  for (;;) {
    const lb = await octavia.getLoadBalancer(id);
    if (!lb || lb.provisioning_status === 'DELETED') return;
    if (Date.now() > deadline)
      throw new TransientError(
        `load balancer ${id} still ${lb.provisioning_status}`,
        'LoadBalancerBusy',
      );
    await timing.sleep(timing.pollMs);
  }
}
