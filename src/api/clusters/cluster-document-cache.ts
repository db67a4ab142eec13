import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { CONFIG, type Config } from '../../config/config.js';
import type { DatabaseHandle } from '../../persistence/database.js';
import type { NotificationSubscription } from '../../persistence/notifications.js';
import type { ClusterRecord, ProjectRecord } from '../../persistence/records.js';
import { DATABASE } from '../../persistence/repositories.js';
import { clusterView } from '../representations.js';
import type { ClusterView } from '../schemas.js';

/** Where the clusters table's trigger announces changes (drizzle/0006_cluster_notify.sql). */
export const CLUSTER_CHANGES_CHANNEL = 'kaas_clusters';

/** The key of a live cluster, as the trigger spells it in its notification. */
export function clusterKey(projectId: string, name: string): string {
  return `${projectId}/${name}`;
}

/** A document read once and shared, or the read in flight that will become one. */
interface Entry {
  view?: ClusterView;
  loading?: Promise<ClusterView | undefined>;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * Live cluster documents of this API process, by project and name (docs/adr/0013). An entry
 * lives until the database announces a change to its row, or until this process changes the
 * row itself; while the announcements cannot be heard, nothing is served from memory.
 */
@Injectable()
export class ClusterDocumentCache implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(ClusterDocumentCache.name);
  private readonly entries = new Map<string, Entry>();
  private readonly observers = new Set<(key: string) => void>();
  /** Each held document as JSON bytes, made on its second read; gone with the document. */
  private readonly encodings = new WeakMap<ClusterView, Buffer>();
  private subscription?: NotificationSubscription;
  private listening = false;
  /** Reads answered from memory and from the database, and entries dropped. */
  readonly stats = { hits: 0, misses: 0, invalidations: 0 };

  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  get capacity(): number {
    return this.config.KAAS_CLUSTER_CACHE_ENTRIES;
  }

  /** True while changes are heard, so that documents may be served from memory. */
  get active(): boolean {
    return this.listening && this.capacity > 0;
  }

  async onModuleInit(): Promise<void> {
    if (this.capacity === 0) return;
    this.subscription = await this.database.listen(CLUSTER_CHANGES_CHANNEL, {
      message: (payload) => this.invalidate(payload),
      listening: () => {
        this.entries.clear();
        this.listening = true;
      },
      lost: (error) => {
        // Changes made from now on would not be heard: forget everything, read the database.
        this.listening = false;
        this.entries.clear();
        this.logger.warn(`cluster cache off until changes can be heard again: ${String(error)}`);
      },
    });
  }

  /** Before the database closes (its closing is an application-shutdown hook). */
  async beforeApplicationShutdown(): Promise<void> {
    this.listening = false;
    this.entries.clear();
    await this.subscription?.close();
  }

  /**
   * The live cluster's document: from memory when held, else from `load`, which must read the
   * database now. Concurrent reads of one cluster share one load. Misses are never kept, so a
   * cluster created a moment ago is found at once.
   */
  async find(
    project: ProjectRecord,
    name: string,
    load: () => Promise<ClusterRecord | undefined>,
  ): Promise<ClusterView | undefined> {
    const toView = (record: ClusterRecord | undefined) =>
      record && record.projectId === project.id
        ? deepFreeze(clusterView(record, project.name))
        : undefined;
    if (!this.active) {
      this.stats.misses++;
      return toView(await load());
    }
    const key = clusterKey(project.id, name);
    const held = this.entries.get(key);
    if (held) {
      if (held.view) this.stats.hits++;
      return held.view ?? held.loading;
    }
    this.stats.misses++;
    const entry: Entry = {};
    entry.loading = load().then(
      (record) => {
        const view = toView(record);
        // Dropped meanwhile (a change was announced): answer this read, keep nothing.
        if (this.entries.get(key) === entry) {
          if (view) entry.view = view;
          else this.entries.delete(key);
          delete entry.loading;
        }
        return view;
      },
      (error: unknown) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw error;
      },
    );
    this.entries.set(key, entry);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return entry.loading;
  }

  /**
   * The document as the JSON bytes Fastify would send for it, made once per document `find`
   * answered (a held document is the same frozen object until it is dropped); undefined for
   * any other object, such as a view with the health monitor's condition merged in.
   */
  encoded(view: ClusterView): Buffer | undefined {
    if (!Object.isFrozen(view)) return undefined;
    let body = this.encodings.get(view);
    if (!body) {
      body = Buffer.from(JSON.stringify(view));
      this.encodings.set(view, body);
    }
    return body;
  }

  /**
   * Drops a cluster's document, and any read of it in flight, which may have seen the row
   * before the change: the next read goes to the database.
   */
  invalidate(key: string): void {
    this.stats.invalidations++;
    this.entries.delete(key);
    for (const observer of this.observers) observer(key);
  }

  /** Calls `observer` with the key of every change heard or made; returns how to stop. */
  observe(observer: (key: string) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }
}

/**
 * Gathers the names asked for in one turn of the event loop into one read: `load(name)` gives
 * that name's record, or undefined if the read did not find it.
 */
export function batched(
  read: (names: string[]) => Promise<ClusterRecord[]>,
): (name: string) => Promise<ClusterRecord | undefined> {
  let pending: { names: string[]; result: Promise<Map<string, ClusterRecord>> } | undefined;
  return (name) => {
    if (!pending) {
      const names: string[] = [];
      const result = Promise.resolve().then(async () => {
        pending = undefined;
        return new Map((await read(names)).map((r) => [r.name, r]));
      });
      pending = { names, result };
    }
    pending.names.push(name);
    return pending.result.then((byName) => byName.get(name));
  };
}

const PAGE_START = Buffer.from('{"items":[');
const COMMA = Buffer.from(',');

/** A page `{ items, nextCursor? }` as JSON.stringify writes it, from its items' JSON bytes. */
export function encodePage(items: readonly Buffer[], nextCursor: string | undefined): Buffer {
  const parts: Buffer[] = [PAGE_START];
  items.forEach((item, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(item);
  });
  const end = nextCursor === undefined ? ']}' : `],"nextCursor":${JSON.stringify(nextCursor)}}`;
  parts.push(Buffer.from(end));
  return Buffer.concat(parts);
}
