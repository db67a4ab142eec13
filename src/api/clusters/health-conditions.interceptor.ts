import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { mergeMap, type Observable } from 'rxjs';
import { shortCircuitCondition } from '../../health/health-conditions.js';
import {
  ClusterHealthRepository,
  type StoredShortCircuit,
} from '../../persistence/cluster-health.repository.js';
import type { DatabaseHandle } from '../../persistence/database.js';
import { DATABASE } from '../../persistence/repositories.js';
import type { ClusterView } from '../schemas.js';

/** Short-circuits change slowly; reading them at most this often keeps reads at one query. */
const CACHE_MS = 2_000;

type ShortCircuits = ReadonlyMap<string, StoredShortCircuit>;

/** Adds the health monitor's conditions to a cluster's status; the reconciler's stay as stored. */
export function withHealthConditions(view: ClusterView, shortCircuits: ShortCircuits): ClusterView {
  const stored = shortCircuits.get(view.id);
  if (!stored) return view;
  const condition = shortCircuitCondition(stored, view.generation);
  const conditions = [
    ...view.status.conditions.filter((c) => c.type !== condition.type),
    condition,
  ].sort((a, b) => a.type.localeCompare(b.type));
  return { ...view, status: { ...view.status, conditions } };
}

function isClusterView(body: unknown): body is ClusterView {
  const b = body as Partial<ClusterView> | null;
  return typeof b?.id === 'string' && Array.isArray(b.status?.conditions);
}

function isClusterPage(body: unknown): body is { items: ClusterView[] } {
  const items = (body as { items?: unknown } | null)?.items;
  return Array.isArray(items) && items.every(isClusterView);
}

/**
 * On the cluster read routes: merges the health monitor's short-circuit condition (kept in
 * cluster_health, which the monitor owns) into the cluster views the route answers with.
 */
@Injectable()
export class HealthConditionsInterceptor implements NestInterceptor {
  private readonly health: ClusterHealthRepository;
  private cached?: { at: number; value: Promise<ShortCircuits> };

  constructor(@Inject(DATABASE) database: DatabaseHandle) {
    this.health = new ClusterHealthRepository(database.db);
  }

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(mergeMap((body: unknown) => this.decorate(body)));
  }

  private async decorate(body: unknown): Promise<unknown> {
    const shortCircuits = await this.shortCircuits();
    if (shortCircuits.size === 0) return body;
    if (isClusterView(body)) return withHealthConditions(body, shortCircuits);
    if (isClusterPage(body))
      return { ...body, items: body.items.map((v) => withHealthConditions(v, shortCircuits)) };
    return body;
  }

  private shortCircuits(): Promise<ShortCircuits> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > CACHE_MS) {
      const value = this.health.shortCircuited();
      this.cached = { at: now, value };
      // A failed read is not cached: the next request asks again.
      value.catch(() => (this.cached = undefined));
    }
    return this.cached.value;
  }
}
