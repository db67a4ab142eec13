import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  batched,
  ClusterDocumentCache,
  clusterKey,
  encodePage,
} from '../../src/api/clusters/cluster-document-cache.js';
import type { Config } from '../../src/config/config.js';
import type { DatabaseHandle } from '../../src/persistence/database.js';
import type { NotificationHandlers } from '../../src/persistence/notifications.js';
import type { ClusterRecord, ProjectRecord } from '../../src/persistence/records.js';
import { clusterSpecSchema, initialStatus } from '../../src/domain/cluster.js';

const project = { id: 'p-1', name: 'team-a' } as ProjectRecord;

function record(name: string, endpoint = 'first'): ClusterRecord {
  const at = new Date('2026-11-29T08:00:00Z');
  return {
    id: `id-${name}`,
    projectId: project.id,
    name,
    spec: clusterSpecSchema.parse({ provider: 'fake' }),
    status: { ...initialStatus(), endpoint: `https://${endpoint}:6443` },
    generation: 1,
    observedGeneration: 0,
    resourceVersion: 1,
    pausedGeneration: null,
    deletionRequestedAt: null,
    deletedAt: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    createdAt: at,
    updatedAt: at,
  };
}

/** A promise resolved by hand, to hold a database read in flight. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ClusterDocumentCache', () => {
  let handlers: NotificationHandlers;
  let cache: ClusterDocumentCache;

  async function start(entries = 10): Promise<void> {
    const database = {
      listen: async (_channel: string, h: NotificationHandlers) => {
        handlers = h;
        return { close: async () => undefined };
      },
    } as unknown as DatabaseHandle;
    cache = new ClusterDocumentCache(database, {
      KAAS_CLUSTER_CACHE_ENTRIES: entries,
    } as Config);
    await cache.onModuleInit();
  }

  beforeEach(async () => {
    await start();
    handlers.listening();
  });

  it('reads the database once for repeated and concurrent reads of one cluster', async () => {
    let reads = 0;
    const load = async () => {
      reads++;
      return record('a');
    };
    const [one, two] = await Promise.all([
      cache.find(project, 'a', load),
      cache.find(project, 'a', load),
    ]);
    const three = await cache.find(project, 'a', load);
    expect(reads).toBe(1);
    expect(two).toBe(one);
    expect(three).toBe(one);
    expect(Object.isFrozen(three!.status)).toBe(true);
  });

  it('does not keep a read that was in flight when its cluster changed', async () => {
    const stale = deferred<ClusterRecord>();
    const first = cache.find(project, 'a', () => stale.promise);
    handlers.message(clusterKey(project.id, 'a'));
    stale.resolve(record('a', 'before-the-change'));
    expect((await first)?.status.endpoint).toBe('https://before-the-change:6443');
    const next = await cache.find(project, 'a', async () => record('a', 'after-the-change'));
    expect(next?.status.endpoint).toBe('https://after-the-change:6443');
  });

  it('never keeps a miss', async () => {
    expect(await cache.find(project, 'new', async () => undefined)).toBeUndefined();
    expect((await cache.find(project, 'new', async () => record('new')))?.name).toBe('new');
  });

  it('serves nothing from memory while changes cannot be heard, and forgets what it held', async () => {
    await cache.find(project, 'a', async () => record('a', 'held'));
    handlers.lost(new Error('connection reset'));
    expect(cache.active).toBe(false);
    const during = await cache.find(project, 'a', async () => record('a', 'unheard-change'));
    expect(during?.status.endpoint).toBe('https://unheard-change:6443');
    handlers.listening();
    const after = await cache.find(project, 'a', async () => record('a', 'read-again'));
    expect(after?.status.endpoint).toBe('https://read-again:6443');
  });

  it('keeps at most its capacity, dropping the oldest entry first', async () => {
    await start(2);
    handlers.listening();
    for (const name of ['a', 'b', 'c']) await cache.find(project, name, async () => record(name));
    let reads = 0;
    const load = (name: string) => async () => {
      reads++;
      return record(name);
    };
    await cache.find(project, 'c', load('c'));
    expect(reads).toBe(0);
    await cache.find(project, 'a', load('a'));
    expect(reads).toBe(1);
  });

  it('encodes a held document as the JSON it is, and nothing it does not hold', async () => {
    const view = await cache.find(project, 'a', async () => record('a'));
    expect(JSON.parse(cache.encoded(view!)!.toString('utf8'))).toEqual(view);
    expect(cache.encoded({ ...view! })).toBeUndefined();
  });

  it('gathers the names asked for in one turn into one read', async () => {
    const asked: string[][] = [];
    const load = batched(async (names) => {
      asked.push([...names]);
      return names.filter((n) => n !== 'gone').map((n) => record(n));
    });
    const found = await Promise.all(['a', 'gone', 'b'].map((n) => load(n)));
    expect(asked).toEqual([['a', 'gone', 'b']]);
    expect(found.map((r) => r?.name)).toEqual(['a', undefined, 'b']);
    await load('c');
    expect(asked).toHaveLength(2);
  });

  it("writes a page from its items' bytes exactly as JSON.stringify writes the page", () => {
    const items = [
      { name: 'a', n: 1 },
      { name: 'b "quoted"', n: 2 },
    ];
    const bytes = items.map((item) => Buffer.from(JSON.stringify(item)));
    for (const page of [{ items }, { items, nextCursor: '01a2-cursor' }, { items: [] }]) {
      const encoded = encodePage(page.items === items ? bytes : [], page.nextCursor);
      expect(encoded.toString('utf8')).toBe(JSON.stringify(page));
    }
  });
});
