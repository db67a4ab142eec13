import { and, eq, isNull, or, gt, sql } from 'drizzle-orm';
import type { Db } from '../../persistence/database.js';
import { fakeCloudResources } from '../../persistence/schema.js';
import { uuidv7 } from '../../domain/ids.js';

export type FakeResourceKind = 'network' | 'loadbalancer' | 'machine';

export interface FakeResource {
  id: string;
  clusterId: string;
  kind: FakeResourceKind;
  name: string;
  attributes: Record<string, string>;
  readyAt: Date;
  failedReason: string | null;
  deleteRequestedAt: Date | null;
  goneAt: Date | null;
}

/**
 * Where the fake cloud keeps its resources. State is a function of timestamps (ready at,
 * gone at), so no timer has to survive a process restart.
 */
export interface FakeCloudStore {
  /** Creates the resource unless one with the same name exists, and returns the survivor. */
  ensure(
    resource: Omit<FakeResource, 'id' | 'failedReason' | 'deleteRequestedAt' | 'goneAt'>,
  ): Promise<FakeResource>;
  get(
    clusterId: string,
    kind: FakeResourceKind,
    name: string,
    now: Date,
  ): Promise<FakeResource | undefined>;
  list(clusterId: string, now: Date, kind?: FakeResourceKind): Promise<FakeResource[]>;
  requestDelete(
    clusterId: string,
    kind: FakeResourceKind,
    name: string,
    goneAt: Date,
  ): Promise<void>;
  markFailed(
    clusterId: string,
    kind: FakeResourceKind,
    name: string,
    reason: string,
  ): Promise<void>;
}

export class PostgresFakeCloudStore implements FakeCloudStore {
  constructor(private readonly db: Db) {}

  async ensure(resource: Parameters<FakeCloudStore['ensure']>[0]): Promise<FakeResource> {
    await this.db
      .insert(fakeCloudResources)
      .values({ id: uuidv7(), ...resource })
      .onConflictDoNothing();
    const [row] = await this.db
      .select()
      .from(fakeCloudResources)
      .where(this.key(resource.clusterId, resource.kind, resource.name));
    return row as FakeResource;
  }

  async get(clusterId: string, kind: FakeResourceKind, name: string, now: Date) {
    const [row] = await this.db
      .select()
      .from(fakeCloudResources)
      .where(and(this.key(clusterId, kind, name), this.notGone(now)));
    return row as FakeResource | undefined;
  }

  async list(clusterId: string, now: Date, kind?: FakeResourceKind) {
    const rows = await this.db
      .select()
      .from(fakeCloudResources)
      .where(
        and(
          eq(fakeCloudResources.clusterId, clusterId),
          kind ? eq(fakeCloudResources.kind, kind) : undefined,
          this.notGone(now),
        ),
      )
      .orderBy(fakeCloudResources.id);
    return rows as FakeResource[];
  }

  async requestDelete(clusterId: string, kind: FakeResourceKind, name: string, goneAt: Date) {
    await this.db
      .update(fakeCloudResources)
      .set({ deleteRequestedAt: sql`now()`, goneAt })
      .where(and(this.key(clusterId, kind, name), isNull(fakeCloudResources.deleteRequestedAt)));
  }

  async markFailed(clusterId: string, kind: FakeResourceKind, name: string, reason: string) {
    await this.db
      .update(fakeCloudResources)
      .set({ failedReason: reason })
      .where(this.key(clusterId, kind, name));
  }

  private key(clusterId: string, kind: FakeResourceKind, name: string) {
    return and(
      eq(fakeCloudResources.clusterId, clusterId),
      eq(fakeCloudResources.kind, kind),
      eq(fakeCloudResources.name, name),
    );
  }

  private notGone(now: Date) {
    return or(isNull(fakeCloudResources.goneAt), gt(fakeCloudResources.goneAt, now));
  }
}

/** The same cloud in a Map, for unit tests of reconciler logic. */
export class InMemoryFakeCloudStore implements FakeCloudStore {
  private readonly resources = new Map<string, FakeResource>();

  async ensure(resource: Parameters<FakeCloudStore['ensure']>[0]): Promise<FakeResource> {
    const key = this.keyOf(resource.clusterId, resource.kind, resource.name);
    const existing = this.resources.get(key);
    if (existing) return { ...existing };
    const created: FakeResource = {
      ...resource,
      id: uuidv7(),
      failedReason: null,
      deleteRequestedAt: null,
      goneAt: null,
    };
    this.resources.set(key, created);
    return { ...created };
  }

  async get(clusterId: string, kind: FakeResourceKind, name: string, now: Date) {
    const found = this.resources.get(this.keyOf(clusterId, kind, name));
    return found && !isGone(found, now) ? { ...found } : undefined;
  }

  async list(clusterId: string, now: Date, kind?: FakeResourceKind) {
    return [...this.resources.values()]
      .filter((r) => r.clusterId === clusterId && (!kind || r.kind === kind) && !isGone(r, now))
      .map((r) => ({ ...r }));
  }

  async requestDelete(clusterId: string, kind: FakeResourceKind, name: string, goneAt: Date) {
    const found = this.resources.get(this.keyOf(clusterId, kind, name));
    if (found && !found.deleteRequestedAt) {
      found.deleteRequestedAt = new Date();
      found.goneAt = goneAt;
    }
  }

  async markFailed(clusterId: string, kind: FakeResourceKind, name: string, reason: string) {
    const found = this.resources.get(this.keyOf(clusterId, kind, name));
    if (found) found.failedReason = reason;
  }

  private keyOf(clusterId: string, kind: string, name: string) {
    return `${clusterId}/${kind}/${name}`;
  }
}

function isGone(resource: FakeResource, now: Date): boolean {
  return resource.goneAt !== null && resource.goneAt <= now;
}
