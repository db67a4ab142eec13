import { Inject, Injectable } from '@nestjs/common';
import { shortCircuitCondition } from '../../health/health-conditions.js';
import {
  ClusterHealthRepository,
  type StoredShortCircuit,
} from '../../persistence/cluster-health.repository.js';
import type { DatabaseHandle } from '../../persistence/database.js';
import { DATABASE } from '../../persistence/repositories.js';
import type { ClusterView } from '../schemas.js';

/** Short-circuits change slowly; reading them at most this often keeps them off the read path. */
const CACHE_MS = 2_000;

type ShortCircuitMap = ReadonlyMap<string, StoredShortCircuit>;

/** Adds the health monitor's conditions to a cluster's status; the reconciler's stay as stored. */
export function withHealthConditions(
  view: ClusterView,
  shortCircuits: ShortCircuitMap,
): ClusterView {
  const stored = shortCircuits.get(view.id);
  if (!stored) return view;
  const condition = shortCircuitCondition(stored, view.generation);
  const conditions = [
    ...view.status.conditions.filter((c) => c.type !== condition.type),
    condition,
  ].sort((a, b) => a.type.localeCompare(b.type));
  return { ...view, status: { ...view.status, conditions } };
}

/**
 * The health monitor's short-circuits (kept in cluster_health, which the monitor owns), read
 * at most every CACHE_MS and shared by every cluster read of this process.
 */
@Injectable()
export class ShortCircuits {
  private readonly health: ClusterHealthRepository;
  private cached?: { at: number; value: Promise<ShortCircuitMap> };

  constructor(@Inject(DATABASE) database: DatabaseHandle) {
    this.health = new ClusterHealthRepository(database.db);
  }

  current(): Promise<ShortCircuitMap> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > CACHE_MS) {
      const value = this.health.shortCircuited();
      this.cached = { at: now, value };
      // A failed read is not cached: the next request asks again.
      value.catch(() => (this.cached = undefined));
    }
    return this.cached.value;
  }

  /** The view with the monitor's condition merged in, if it has one for the cluster. */
  async decorate(view: ClusterView): Promise<ClusterView> {
    const shortCircuits = await this.current();
    return shortCircuits.size === 0 ? view : withHealthConditions(view, shortCircuits);
  }

  /** The views with the monitor's conditions merged in; untouched views are the same objects. */
  async decorateAll(views: ClusterView[]): Promise<ClusterView[]> {
    const shortCircuits = await this.current();
    return shortCircuits.size === 0
      ? views
      : views.map((view) => withHealthConditions(view, shortCircuits));
  }
}
