import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createKaasClient, unwrap, type KaasClient } from '../../sdk/src/index.js';
import { KwokProvider, clusterProcesses } from '../../src/providers/kwok/kwok.provider.js';
import { startKaas, type KaasProcess } from '../support/process.js';
import { startPrivateServices, type PrivateServices } from '../support/private-services.js';
import { ADMIN_TOKEN, uniquePrefix } from '../support/factories.js';
import { KillSchedule } from '../support/kill-schedule.js';
import { generator } from '../support/seeded.js';
import { OpenStackUnderFaults } from './openstack-under-faults.js';

/** The seed of the kill schedule (and of the injected faults): the same run every time. */
const SEED = 20261129;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The worker is SIGKILLed at seeded random moments of create, scale, upgrade and delete, on
 * the fake and the kwok provider, with Redis and PostgreSQL crashed and restarted
 * mid-operation, and on the OpenStack testbed behind a proxy that injects 5xx answers and
 * timeouts. Every Operation must end with an outcome (Succeeded, or Failed with the reason
 * the testbed forces), no machine may exist twice, and after a delete nothing of the cluster
 * may remain.
 */
describe(`crash and fault suite (seed ${SEED})`, () => {
  let services: PrivateServices;
  let api: KaasProcess;
  let client: KaasClient;
  let env: Record<string, string>;
  let dataDir: string;
  const project = 'default';
  const schedule = new KillSchedule({
    random: generator(SEED),
    env: () => env,
    getOperation: (id) =>
      patiently(() => unwrap(client.getOperation({ path: { project, operation: id } }))),
  });
  const killPoints = schedule.killPoints;
  const withKills = schedule.withKills.bind(schedule);

  beforeAll(async () => {
    services = await startPrivateServices();
    dataDir = mkdtempSync(join(tmpdir(), 'kaas-faults-'));
    env = {
      KAAS_DATABASE_URL: services.databaseUrl,
      KAAS_REDIS_URL: services.redisUrl,
      KAAS_QUEUE_PREFIX: uniquePrefix(),
      KAAS_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      KAAS_DATA_DIR: dataDir,
      KAAS_PROVIDERS: 'fake,kwok,openstack',
      KAAS_KEK: `faults-1:${randomBytes(32).toString('base64')}`,
      KAAS_FAKE_BOOT_SECONDS: '8',
      KAAS_FAKE_DELETE_SECONDS: '1.5',
      KAAS_KWOK_BOOT_SECONDS: '1',
      KAAS_LEASE_SECONDS: '3',
      KAAS_JOB_STALLED_SECONDS: '3',
      KAAS_RESYNC_INTERVAL_SECONDS: '2',
      KAAS_RETRY_BASE_SECONDS: '0.2',
      KAAS_RETRY_MAX_SECONDS: '2',
      KAAS_RATE_LIMIT_PER_SECOND: '0',
      // The fault proxy holds a request longer than this to make a timeout.
      KAAS_OPENSTACK_REQUEST_TIMEOUT_SECONDS: '4',
      // Testbed servers never run kubeadm: their nodes never join, and this says so soon.
      KAAS_OPENSTACK_NODE_JOIN_TIMEOUT_SECONDS: '3',
    };
    api = await startKaas('api', env);
    await schedule.startWorker();
    client = createKaasClient({ baseUrl: api.url, token: ADMIN_TOKEN });
  }, 180_000);

  afterAll(async () => {
    await schedule.stopWorker();
    await api?.kill('SIGTERM');
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/faults-workers.log', schedule.logs());
    await services?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    // The figure the suite exists for, in the test log.
    console.log(`crash suite: ${killPoints.length} kill points\n  ${killPoints.join('\n  ')}`);
  });

  /** Reads through outages of the database: the API answers 5xx or not at all meanwhile. */
  async function patiently<T>(read: () => Promise<T>, deadlineMs = 60_000): Promise<T> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      try {
        return await read();
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(250);
      }
    }
  }
  async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
    return patiently(async () => {
      const db = new pg.Client({ connectionString: services.databaseUrl });
      await db.connect();
      try {
        return (await db.query<T>(sql, params)).rows;
      } finally {
        await db.end();
      }
    });
  }

  /** Machines the database and the fake cloud hold for the cluster: the same names, once each. */
  async function expectNoDuplicates(clusterId: string, count: number) {
    const recorded = (
      await query<{ name: string }>(
        "select name from machines where cluster_id = $1 and phase <> 'Deleted'",
        [clusterId],
      )
    ).map((r) => r.name);
    expect(new Set(recorded).size).toBe(recorded.length);
    expect(recorded).toHaveLength(count);
    return recorded.sort();
  }

  async function fakeCloudMachines(clusterId: string) {
    return (
      await query<{ name: string }>(
        "select name from fake_cloud_resources where cluster_id = $1 and kind = 'machine' and (gone_at is null or gone_at > now())",
        [clusterId],
      )
    )
      .map((r) => r.name)
      .sort();
  }

  const path = (cluster: string) => ({ project, cluster });

  it('fake provider: create, scale, upgrade, scale down and delete survive worker kills and Redis/PostgreSQL crashes', async () => {
    const created = await withKills(
      'fake create',
      () =>
        unwrap(
          client.createCluster({
            path: { project },
            body: {
              name: 'crash-fake',
              spec: {
                provider: 'fake',
                kubernetesVersion: '1.36',
                controlPlane: { replicas: 3 },
                nodePools: [
                  { name: 'w', replicas: 4, upgrade: { maxSurge: 2, maxUnavailable: 0 } },
                ],
              },
            },
          }),
        ),
      12,
    );
    expect({ status: created.status, error: created.error }).toEqual({ status: 'Succeeded' });
    const clusterId = created.clusterId;
    let names = await expectNoDuplicates(clusterId, 7);
    expect(await fakeCloudMachines(clusterId)).toEqual(names);

    const scaled = await withKills(
      'fake scale up',
      () =>
        unwrap(
          client.scaleNodePool({
            path: { ...path('crash-fake'), pool: 'w' },
            body: { replicas: 8 },
          }),
        ),
      12,
      async (kill) => {
        // Redis crashes with the worker once: the queue's state is gone, the database is not.
        if (kill !== 0) return;
        await services.crash('redis');
        await sleep(500);
        await services.start('redis');
        killPoints.push('fake scale up: Redis crashed and restarted (queue state lost)');
      },
    );
    expect({ status: scaled.status, error: scaled.error }).toEqual({ status: 'Succeeded' });
    names = await expectNoDuplicates(clusterId, 11);
    expect(await fakeCloudMachines(clusterId)).toEqual(names);

    const upgraded = await withKills(
      'fake upgrade',
      () =>
        unwrap(
          client.updateCluster({
            path: path('crash-fake'),
            body: { spec: { kubernetesVersion: '1.37' } },
          }),
        ),
      16,
      async (kill) => {
        if (kill !== 1) return;
        await services.crash('postgres');
        await sleep(1_000);
        await services.start('postgres');
        killPoints.push('fake upgrade: PostgreSQL crashed (immediate stop) and restarted');
      },
    );
    expect({ status: upgraded.status, error: upgraded.error }).toEqual({ status: 'Succeeded' });
    names = await expectNoDuplicates(clusterId, 11);
    expect(await fakeCloudMachines(clusterId)).toEqual(names);
    const versions = await query<{ version: string }>(
      "select distinct version from machines where cluster_id = $1 and phase <> 'Deleted'",
      [clusterId],
    );
    expect(versions.map((v) => v.version)).toEqual(['1.37.2']);

    // Scale down and up again, twice: removals (drains, deletes) are killed as well as additions.
    for (const [round, replicas] of [
      [1, 3],
      [1, 8],
      [2, 2],
      [2, 6],
      [3, 3],
    ] as const) {
      const again = await withKills(
        `fake scale ${round} to ${replicas}`,
        () =>
          unwrap(
            client.scaleNodePool({
              path: { ...path('crash-fake'), pool: 'w' },
              body: { replicas },
            }),
          ),
        8,
      );
      expect({ status: again.status, error: again.error }).toEqual({ status: 'Succeeded' });
      names = await expectNoDuplicates(clusterId, 3 + replicas);
      expect(await fakeCloudMachines(clusterId)).toEqual(names);
    }

    const deleted = await withKills(
      'fake delete',
      () => unwrap(client.deleteCluster({ path: path('crash-fake') })),
      8,
    );
    expect({ status: deleted.status, error: deleted.error }).toEqual({ status: 'Succeeded' });
    const left = await query<{ kind: string; name: string }>(
      'select kind, name from fake_cloud_resources where cluster_id = $1 and (gone_at is null or gone_at > now())',
      [clusterId],
    );
    expect(left).toEqual([]);
  });

  it('kwok provider: create, scale, upgrade and delete survive worker kills; nothing is left', async () => {
    const created = await withKills(
      'kwok create',
      () =>
        unwrap(
          client.createCluster({
            path: { project },
            body: {
              name: 'crash-kwok',
              spec: {
                provider: 'kwok',
                kubernetesVersion: '1.36',
                nodePools: [{ name: 'w', replicas: 2 }],
                addons: { 'load-balancer': { enabled: false } },
              },
            },
          }),
        ),
      4,
    );
    expect({ status: created.status, error: created.error }).toEqual({ status: 'Succeeded' });
    const clusterId = created.clusterId;
    await expectNoDuplicates(clusterId, 3);

    const scaled = await withKills(
      'kwok scale',
      () =>
        unwrap(
          client.scaleNodePool({
            path: { ...path('crash-kwok'), pool: 'w' },
            body: { replicas: 3 },
          }),
        ),
      3,
    );
    expect({ status: scaled.status, error: scaled.error }).toEqual({ status: 'Succeeded' });
    await expectNoDuplicates(clusterId, 4);

    const upgraded = await withKills(
      'kwok upgrade',
      () =>
        unwrap(
          client.updateCluster({
            path: path('crash-kwok'),
            body: { spec: { kubernetesVersion: '1.37' } },
          }),
        ),
      4,
    );
    expect({ status: upgraded.status, error: upgraded.error }).toEqual({ status: 'Succeeded' });
    await expectNoDuplicates(clusterId, 4);

    const dir = join(dataDir, 'kwok', 'clusters', KwokProvider.clusterName(clusterId));
    expect(existsSync(dir)).toBe(true);
    const deleted = await withKills(
      'kwok delete',
      () => unwrap(client.deleteCluster({ path: path('crash-kwok') })),
      3,
    );
    expect({ status: deleted.status, error: deleted.error }).toEqual({ status: 'Succeeded' });
    expect(existsSync(dir)).toBe(false);
    expect(clusterProcesses(dir)).toEqual([]);
  });

  describe('openstack provider behind a proxy injecting 5xx answers and timeouts', () => {
    const openstack = new OpenStackUnderFaults({
      seed: SEED,
      apiUrl: () => api.url,
      project,
      schedule,
    });
    afterAll(() => openstack.stop());

    it('create survives worker kills and faults: NodesNotJoined on the testbed, each machine one server and one port', () =>
      openstack.create());
    it('scale out and in survive worker kills and faults: no machine twice', () =>
      openstack.scaleOutAndIn());
    it('an upgrade, which can replace nothing on the testbed, ends NodesNotJoined under kills and faults, machines as they were', () =>
      openstack.upgradeEndsWithAReason());
    it('delete survives worker kills and faults: nothing tagged or named for the cluster is left', () =>
      openstack.deleteLeavesNothing());
    it('faults of every kind were injected, into a fifth of the calls, some after a create was made', () =>
      openstack.expectFaultsInjected());
  });

  it('counted at least 50 kill points across the fake, kwok and OpenStack providers', () => {
    const kills = killPoints.filter((k) => !k.includes('crashed'));
    const byProvider = (p: string) => kills.filter((k) => k.startsWith(`${p} `)).length;
    expect(kills.length).toBeGreaterThanOrEqual(50);
    expect({
      fake: byProvider('fake') > 0,
      kwok: byProvider('kwok') > 0,
      openstack: byProvider('openstack') > 0,
    }).toEqual({ fake: true, kwok: true, openstack: true });
  });
});
