import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { sql } from 'drizzle-orm';
import { HealthMetrics } from '../../src/health/health-metrics.js';
import { HealthMonitor } from '../../src/health/health-monitor.js';
import { ownerOf } from '../../src/health/shards.js';
import { uuidv7 } from '../../src/domain/ids.js';
import { initialStatus } from '../../src/domain/cluster.js';
import { openDatabase, type DatabaseHandle } from '../../src/persistence/database.js';
import { ClusterHealthRepository } from '../../src/persistence/cluster-health.repository.js';
import { repositories } from '../../src/persistence/repositories.js';
import { healthMonitors } from '../../src/persistence/schema.js';
import { eventually } from '../support/http.js';
import { createTestDatabase } from '../support/postgres.js';
import { clusterSpec } from '../support/factories.js';

/**
 * Several health monitors on one real PostgreSQL share the clusters out: each cluster is
 * watched by exactly one of the monitors alive, and a monitor's clusters move to the others
 * when it stops or falls silent.
 */
describe('health monitors sharing clusters', () => {
  const CLUSTERS = 24;
  const JOIN_DELAY_MS = 500;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let database: DatabaseHandle;
  let store: ClusterHealthRepository;
  const clusterIds: string[] = [];
  const running: HealthMonitor[] = [];

  const monitor = async (monitorId: string, joinDelayMs?: number) => {
    const m = new HealthMonitor(
      store,
      // No API server to reach: what is tested is which monitor takes which cluster.
      { connect: async () => undefined },
      undefined,
      new HealthMetrics(new Registry()),
      {
        monitorId,
        discoveryIntervalMs: 150,
        memberTimeoutMs: 1_500,
        sweepIntervalMs: 60_000,
        ...(joinDelayMs === undefined ? {} : { joinDelayMs }),
      },
    );
    running.push(m);
    await m.start();
    return m;
  };
  const watched = (m: HealthMonitor) => new Set(m.watchedClusterIds());

  beforeAll(async () => {
    db = await createTestDatabase();
    database = await openDatabase({ url: db.url });
    store = new ClusterHealthRepository(database.db);
    const repos = repositories(database.db);
    const project = await repos.projects.insert({
      id: uuidv7(),
      name: 'shards',
      displayName: 'shards',
      quotaClusters: CLUSTERS,
      quotaNodes: CLUSTERS * 2,
    });
    for (let i = 0; i < CLUSTERS; i++) {
      const cluster = await repos.clusters.insert({
        id: uuidv7(),
        projectId: project.id,
        name: `c${i}`,
        spec: clusterSpec(),
        status: initialStatus(),
      });
      clusterIds.push(cluster.id);
    }
  });

  afterAll(async () => {
    for (const m of running) await m.stop();
    await database?.close();
    await db?.drop();
  });

  it('lets monitors that start together take only their share from the first discovery', async () => {
    // Started 100 ms apart, as two replicas of a Deployment may be.
    const starting = monitor('together-x', JOIN_DELAY_MS);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [x, y] = await Promise.all([starting, monitor('together-y', JOIN_DELAY_MS)]);
    // Right after start (one discovery each), not eventually.
    const members = ['together-x', 'together-y'];
    expect([...watched(x!)].sort()).toEqual(
      clusterIds.filter((id) => ownerOf(id, members) === 'together-x').sort(),
    );
    expect([...watched(y!)].sort()).toEqual(
      clusterIds.filter((id) => ownerOf(id, members) === 'together-y').sort(),
    );
    for (const m of running.splice(0)) await m.stop();
  });

  it('gives each cluster to exactly one monitor, the one rendezvous hashing names', async () => {
    const a = await monitor('monitor-a');
    const b = await monitor('monitor-b');
    await eventually(
      async () => [watched(a), watched(b)] as const,
      ([x, y]) => x.size + y.size === CLUSTERS && clusterIds.every((id) => x.has(id) !== y.has(id)),
      10_000,
    );
    const members = ['monitor-a', 'monitor-b'];
    for (const id of clusterIds) {
      expect(watched(a).has(id)).toBe(ownerOf(id, members) === 'monitor-a');
      expect(watched(b).has(id)).toBe(ownerOf(id, members) === 'monitor-b');
    }
    expect(watched(a).size).toBeGreaterThan(0);
    expect(watched(b).size).toBeGreaterThan(0);
  });

  it('hands a stopped monitor’s clusters to the one left', async () => {
    const [a, b] = running;
    await a!.stop();
    await eventually(
      async () => watched(b!).size,
      (n) => n === CLUSTERS,
      10_000,
    );
    expect(await store.heartbeat('monitor-b', 60)).toEqual(['monitor-b']);
  });

  it('takes over from a monitor that fell silent once its heartbeat is too old', async () => {
    const [, b] = running;
    // A monitor that wrote one heartbeat and died (no leave): it counts while its heartbeat is fresh.
    await store.heartbeat('monitor-ghost', 60);
    const ghosts = clusterIds.filter(
      (id) => ownerOf(id, ['monitor-b', 'monitor-ghost']) === 'monitor-ghost',
    );
    expect(ghosts.length).toBeGreaterThan(0);
    await eventually(
      async () => watched(b!),
      (w) => ghosts.every((id) => !w.has(id)) && w.size === CLUSTERS - ghosts.length,
      10_000,
    );
    await eventually(
      async () => watched(b!).size,
      (n) => n === CLUSTERS,
      10_000,
    );
  });

  it('forgets a monitor silent for ten times the heartbeat timeout', async () => {
    // The running monitor would forget the row itself: only this test's calls write here.
    for (const m of running.splice(0)) await m.stop();
    await store.heartbeat('monitor-old', 60);
    await database.db.execute(
      sql`update health_monitors set heartbeat_at = now() - interval '40 seconds' where id = 'monitor-old'`,
    );
    // Silent for 40 s: no longer a member at a 30 s timeout, but kept at 5 s × 10 = 50 s…
    expect(await store.heartbeat('monitor-x', 30)).not.toContain('monitor-old');
    expect(await store.heartbeat('monitor-x', 5)).not.toContain('monitor-old');
    const ids = async () =>
      (await database.db.select({ id: healthMonitors.id }).from(healthMonitors)).map((r) => r.id);
    expect(await ids()).toContain('monitor-old');
    // …and deleted at 3 s × 10 = 30 s.
    await store.heartbeat('monitor-x', 3);
    expect(await ids()).not.toContain('monitor-old');
    await store.leave('monitor-x');
    expect(await ids()).not.toContain('monitor-x');
  });
});
