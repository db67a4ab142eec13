import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { startServer, type RunningServer } from '../../src/server.js';
import { ClusterDocumentCache, clusterKey } from '../../src/api/clusters/cluster-document-cache.js';
import { openDatabase, type DatabaseHandle } from '../../src/persistence/database.js';
import { repositories } from '../../src/persistence/repositories.js';
import { clusterSpecSchema, initialStatus } from '../../src/domain/cluster.js';
import { uuidv7 } from '../../src/domain/ids.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { eventually, httpClient } from '../support/http.js';

type Backend = 'PostgreSQL' | 'PGlite';

/** Resolves with the next change the cache hears or makes for `key`. */
function nextChange(cache: ClusterDocumentCache, key: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = cache.observe((changed) => {
      if (changed !== key) return;
      stop();
      resolve();
    });
  });
}

describe.each<Backend>(['PostgreSQL', 'PGlite'])('cluster read cache on %s', (backend) => {
  let server: RunningServer;
  let worker: RunningServer | undefined;
  let cache: ClusterDocumentCache;
  /** Writes the way the worker does: another process's connection on PostgreSQL. */
  let writer: DatabaseHandle;
  let databaseUrl: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  const admin = () => httpClient(server.url, ADMIN_TOKEN);
  let teamA: ReturnType<typeof httpClient>;
  let teamB: ReturnType<typeof httpClient>;
  let projectA = '';
  const projectIds: Record<string, string> = {};

  /**
   * A cluster row as the API's create leaves it, without an Operation: no worker ever touches
   * it, so every change in these tests is the test's own.
   */
  async function createCluster(project: string, name: string, labels: Record<string, string>) {
    const cluster = await repositories(writer.db).clusters.insert({
      id: uuidv7(),
      projectId: projectIds[project]!,
      name,
      spec: clusterSpecSchema.parse({ provider: 'fake', labels }),
      status: initialStatus(),
    });
    return cluster.id;
  }

  beforeAll(async () => {
    if (backend === 'PostgreSQL') {
      const db = await createTestDatabase();
      drop = db.drop;
      databaseUrl = db.url;
      // The API and the worker apart, as deployed: the worker's writes reach the API's cache
      // only through the database.
      const config = testConfig({ KAAS_DATABASE_URL: db.url });
      server = await startServer('api', config);
      worker = await startServer('worker', config);
      writer = await openDatabase({ url: db.url, migrate: false, poolSize: 2 });
    } else {
      // The embedded database lives in one process: its worker writes through the same handle.
      server = await startServer('all', testConfig());
      writer = server.database;
    }
    cache = server.app.get(ClusterDocumentCache);
    await eventually(
      async () => cache.active,
      (active) => active,
    );
    for (const team of ['team-a', 'team-b']) {
      await admin()('POST', '/v1/projects', { body: { name: team } });
    }
    const token = async (project: string) =>
      (
        await admin()('POST', `/v1/projects/${project}/tokens`, {
          body: { name: 'editor', role: 'editor' },
        })
      ).body.token as string;
    teamA = httpClient(server.url, await token('team-a'));
    teamB = httpClient(server.url, await token('team-b'));
    for (const team of ['team-a', 'team-b'])
      projectIds[team] = (await admin()('GET', `/v1/projects/${team}`)).body.id;
    projectA = projectIds['team-a']!;
  });

  afterAll(async () => {
    if (writer && writer !== server?.database) await writer.close();
    await worker?.close();
    await server?.close();
    await drop?.();
  });

  it('answers repeated reads of a cluster from memory', async () => {
    await createCluster('team-a', 'warm', { team: 'a' });
    const first = await teamA('GET', '/v1/projects/team-a/clusters/warm');
    const hits = cache.stats.hits;
    const again = await teamA('GET', '/v1/projects/team-a/clusters/warm');
    expect(again.status).toBe(200);
    // Served from the held bytes: the same document, headers and type as the first answer.
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(again.body.spec.labels).toEqual({ team: 'a' });
    expect(cache.stats.hits).toBe(hits + 1);
  });

  it('shows a change made through this process in the very next read, with no notification', async () => {
    await createCluster('team-a', 'mine', { stage: 'one' });
    const before = await teamA('GET', '/v1/projects/team-a/clusters/mine');
    await teamA('GET', '/v1/projects/team-a/clusters/mine'); // held in memory now
    // Silence the database's announcements: only the write path itself may drop the entry.
    await server.database.db.execute(
      sql`alter table clusters disable trigger clusters_notify_change`,
    );
    try {
      const patched = await teamA('PATCH', '/v1/projects/team-a/clusters/mine', {
        body: { spec: { labels: { stage: 'two' } } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(patched.status).toBe(202);
      const after = await teamA('GET', '/v1/projects/team-a/clusters/mine');
      expect(after.body.spec.labels).toEqual({ stage: 'two' });
      expect(Number(after.body.resourceVersion)).toBe(Number(before.body.resourceVersion) + 1);
      expect(after.headers.get('etag')).toBe(`"${after.body.resourceVersion}"`);
      const page = await teamA('GET', '/v1/projects/team-a/clusters?limit=100');
      const listed = page.body.items.find((c: { name: string }) => c.name === 'mine');
      expect(listed.spec.labels).toEqual({ stage: 'two' });

      const deleted = await teamA('DELETE', '/v1/projects/team-a/clusters/mine');
      expect(deleted.status).toBe(202);
      const deleting = await teamA('GET', '/v1/projects/team-a/clusters/mine');
      // Never the document from before the delete: being deleted, or already gone (the worker
      // finishes a fake cluster's deletion quickly).
      if (deleting.status !== 404) {
        expect(deleting.status).toBe(200);
        expect(deleting.body.deletionRequestedAt).toEqual(expect.any(String));
      }
    } finally {
      await server.database.db.execute(
        sql`alter table clusters enable trigger clusters_notify_change`,
      );
    }
  });

  it("shows the worker's status change once the database's notification has arrived", async () => {
    const id = await createCluster('team-a', 'watched', {});
    const seen = await teamA('GET', '/v1/projects/team-a/clusters/watched');
    await teamA('GET', '/v1/projects/team-a/clusters/watched');
    const changed = nextChange(cache, clusterKey(projectA, 'watched'));
    await repositories(writer.db).clusters.writeStatus(id, {
      ...seen.body.status,
      endpoint: 'https://written-by-the-worker:6443',
    });
    await changed;
    const after = await teamA('GET', '/v1/projects/team-a/clusters/watched');
    expect(after.body.status.endpoint).toBe('https://written-by-the-worker:6443');
    const page = await teamA('GET', '/v1/projects/team-a/clusters?limit=100');
    const listed = page.body.items.find((c: { name: string }) => c.name === 'watched');
    expect(listed.status.endpoint).toBe('https://written-by-the-worker:6443');
  });

  it('answers 404 for a cluster deleted elsewhere, and finds a new one of the same name at once', async () => {
    const id = await createCluster('team-a', 'gone', { generation: 'old' });
    await teamA('GET', '/v1/projects/team-a/clusters/gone');
    await teamA('GET', '/v1/projects/team-a/clusters/gone');
    const changed = nextChange(cache, clusterKey(projectA, 'gone'));
    await repositories(writer.db).clusters.markDeleted(id);
    await changed;
    expect((await teamA('GET', '/v1/projects/team-a/clusters/gone')).status).toBe(404);
    const page = await teamA('GET', '/v1/projects/team-a/clusters?limit=100');
    expect(page.body.items.map((c: { name: string }) => c.name)).not.toContain('gone');
    await createCluster('team-a', 'gone', { generation: 'new' });
    const reborn = await teamA('GET', '/v1/projects/team-a/clusters/gone');
    expect(reborn.status).toBe(200);
    expect(reborn.body.spec.labels).toEqual({ generation: 'new' });
  });

  it("never answers one project's request with another project's cached document", async () => {
    await createCluster('team-a', 'shared-name', { owner: 'a' });
    await createCluster('team-b', 'shared-name', { owner: 'b' });
    for (let i = 0; i < 2; i++) {
      const a = await teamA('GET', '/v1/projects/team-a/clusters/shared-name');
      const b = await teamB('GET', '/v1/projects/team-b/clusters/shared-name');
      expect([a.body.project, a.body.spec.labels]).toEqual(['team-a', { owner: 'a' }]);
      expect([b.body.project, b.body.spec.labels]).toEqual(['team-b', { owner: 'b' }]);
      // Another project's token never reaches the cached document.
      const foreign = await teamB('GET', '/v1/projects/team-a/clusters/shared-name');
      expect(foreign.status).toBe(404);
      expect(JSON.stringify(foreign.body)).not.toContain('owner');
    }
  });

  it("pages through the project's clusters once each, in creation order, cached or not", async () => {
    for (const name of ['page-1', 'page-2', 'page-3']) await createCluster('team-b', name, {});
    await teamB('GET', '/v1/projects/team-b/clusters/page-2'); // one of them held in memory
    const seen: { id: string; name: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await teamB(
        'GET',
        `/v1/projects/team-b/clusters?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    const names = seen.map((c) => c.name).filter((n) => n.startsWith('page-'));
    expect(names).toEqual(['page-1', 'page-2', 'page-3']);
    expect(new Set(seen.map((c) => c.id)).size).toBe(seen.length);
  });

  if (backend === 'PostgreSQL') {
    it('reads the database while the listening connection is lost, and caches again once back', async () => {
      const id = await createCluster('team-a', 'cut', {});
      const seen = await teamA('GET', '/v1/projects/team-a/clusters/cut');
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      try {
        await admin.query(
          `select pg_terminate_backend(pid) from pg_stat_activity
            where datname = current_database() and query ilike 'LISTEN %'`,
        );
      } finally {
        await admin.end();
      }
      await eventually(
        async () => cache.active,
        (active) => !active,
      );
      // Written while nobody listens: no notification will ever say so.
      await repositories(writer.db).clusters.writeStatus(id, {
        ...seen.body.status,
        endpoint: 'https://written-while-unheard:6443',
      });
      const during = await teamA('GET', '/v1/projects/team-a/clusters/cut');
      expect(during.body.status.endpoint).toBe('https://written-while-unheard:6443');
      await eventually(
        async () => cache.active,
        (active) => active,
      );
      const after = await teamA('GET', '/v1/projects/team-a/clusters/cut');
      expect(after.body.status.endpoint).toBe('https://written-while-unheard:6443');
      const hits = cache.stats.hits;
      await teamA('GET', '/v1/projects/team-a/clusters/cut');
      expect(cache.stats.hits).toBe(hits + 1);
    });
  }
});
