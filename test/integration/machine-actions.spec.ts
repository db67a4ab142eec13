import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase } from '../../src/persistence/database.js';
import { PostgresFakeCloudStore } from '../../src/providers/fake/fake-cloud.store.js';
import type { FakeProvider } from '../../src/providers/fake/fake.provider.js';
import { PROVIDERS, type ProviderRegistry } from '../../src/providers/infrastructure-provider.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { eventually, httpClient } from '../support/http.js';

/**
 * Upgrades, repairs and resume through the HTTP API on the fake provider, real PostgreSQL and
 * Redis: what a user sees of machine replacement, and the refusals they get.
 */
describe('machine replacement through the API', () => {
  let server: RunningServer;
  let dropDatabase: () => Promise<void>;
  let databaseUrl = '';
  let api: ReturnType<typeof httpClient>;
  const base = '/v1/projects/default/clusters';

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    databaseUrl = db.url;
    server = await startServer(
      'all',
      testConfig({ KAAS_DATABASE_URL: db.url, KAAS_OBSERVE_INTERVAL_SECONDS: '2' }),
    );
    api = httpClient(server.url, ADMIN_TOKEN);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await dropDatabase?.();
  });

  const finished = (id: string) =>
    eventually(
      () => api('GET', `/v1/projects/default/operations/${id}`),
      (a) => ['Succeeded', 'Failed', 'Cancelled'].includes(a.body.status),
      60_000,
    ).then((a) => a.body);
  const machines = async (cluster: string) =>
    (await api('GET', `${base}/${cluster}/machines`)).body.items as {
      name: string;
      pool: string | null;
      role: string;
      version: string;
      phase: string;
    }[];

  it('publishes the version catalogue per provider and the upgrade rules', async () => {
    const config = (await api('GET', '/v1/serverConfig')).body;
    expect(config.upgradeRules).toEqual({
      controlPlaneMinorsPerUpgrade: 1,
      kubeletMaxMinorSkew: 3,
      downgrades: false,
    });
    const fake = config.versionsByProvider.find((p: { provider: string }) => p.provider === 'fake');
    expect(
      fake.versions.map((v: { version: string; available: boolean }) => [v.version, v.available]),
    ).toEqual([
      ['1.36.3', true],
      ['1.37.2', true],
    ]);
  });

  it('upgrades a cluster: an Upgrade Operation with one step per machine, all on the new version', async () => {
    const created = await api('POST', base, {
      body: {
        name: 'rolling',
        spec: {
          provider: 'fake',
          kubernetesVersion: '1.36',
          nodePools: [{ name: 'w', replicas: 2 }],
        },
      },
    });
    expect((await finished(created.body.id)).status).toBe('Succeeded');
    const before = await machines('rolling');

    const dry = await api('PATCH', `${base}/rolling?dryRun=true`, {
      body: { spec: { kubernetesVersion: '1.37' } },
    });
    expect(dry.status).toBe(200);
    expect(dry.body.operationType).toBe('Upgrade');

    const upgrade = await api('PATCH', `${base}/rolling`, {
      body: { spec: { kubernetesVersion: '1.37' } },
    });
    expect(upgrade.status).toBe(202);
    expect(upgrade.body.type).toBe('Upgrade');
    expect(upgrade.body.steps.map((s: { name: string }) => s.name)).toEqual([
      ...before.filter((m) => m.role === 'control-plane').map((m) => `replace/${m.name}`),
      ...before.filter((m) => m.role === 'worker').map((m) => `replace/${m.name}`),
      'nodes-ready',
    ]);
    const done = await finished(upgrade.body.id);
    expect(done.status).toBe('Succeeded');
    expect(done.steps.every((s: { status: string }) => s.status === 'Done')).toBe(true);
    const after = await machines('rolling');
    expect(after.map((m) => m.version)).toEqual(['1.37.2', '1.37.2', '1.37.2']);
    expect(after.map((m) => m.name).filter((n) => before.some((b) => b.name === n))).toEqual([]);
    const cluster = (await api('GET', `${base}/rolling`)).body;
    expect(cluster.status.controlPlaneVersion).toBe('1.37.2');
    expect(cluster.status.nodePools[0].versions).toEqual(['1.37.2']);
  });

  it('upgrades a three-machine control plane: each old etcd member leaves before its machine', async () => {
    const created = await api('POST', base, {
      body: {
        name: 'quorum',
        spec: {
          provider: 'fake',
          kubernetesVersion: '1.36',
          controlPlane: { replicas: 3 },
          nodePools: [],
        },
      },
    });
    expect((await finished(created.body.id)).status).toBe('Succeeded');
    const clusterId = created.body.clusterId as string;
    const fake = server.app.get<ProviderRegistry>(PROVIDERS).get('fake') as FakeProvider;
    const before = (await machines('quorum')).map((m) => m.name);
    expect(await fake.etcdMembers(clusterId)).toEqual([...before].sort());

    const upgrade = await api('PATCH', `${base}/quorum`, {
      body: { spec: { kubernetesVersion: '1.37' } },
    });
    expect(upgrade.status).toBe(202);
    expect(upgrade.body.steps[0].description).toContain(
      `remove the etcd member of ${before[0]} through the API server`,
    );
    expect((await finished(upgrade.body.id)).status).toBe('Succeeded');
    // A machine deleted while still a member would have left its member behind.
    const after = (await machines('quorum')).map((m) => m.name);
    expect(after.filter((n) => before.includes(n))).toEqual([]);
    expect(await fake.etcdMembers(clusterId)).toEqual([...after].sort());
  });

  it('answers 422 for a downgrade, naming both versions', async () => {
    const down = await api('PATCH', `${base}/rolling`, {
      body: { spec: { kubernetesVersion: '1.36' } },
    });
    expect(down.status).toBe(422);
    expect(down.body.errors).toContainEqual({
      field: 'spec.kubernetesVersion',
      message: 'cannot downgrade the control plane from 1.37.2 to 1.36.3',
    });
  });

  it('repairs a worker by hand: a Repair Operation replaces it in its pool', async () => {
    const [victim] = (await machines('rolling')).filter((m) => m.role === 'worker');
    const answer = await api('POST', `${base}/rolling/machines/${victim!.name}/repair`, {
      body: { reason: 'disk errors in dmesg' },
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ type: 'Repair' });
    expect(answer.body.steps[0]).toMatchObject({ name: `replace/${victim!.name}` });
    expect(answer.body.steps[0].description).toContain('repair: Manual: disk errors in dmesg');
    expect((await finished(answer.body.id)).status).toBe('Succeeded');
    const workers = (await machines('rolling')).filter((m) => m.role === 'worker');
    expect(workers).toHaveLength(2);
    expect(workers.map((m) => m.name)).not.toContain(victim!.name);
    const events = (await api('GET', `${base}/rolling/events`)).body.items as { reason: string }[];
    expect(events.map((e) => e.reason)).toContain('RepairStarted');
  });

  it('refuses to repair the only control-plane machine, and unknown machines', async () => {
    const [cp] = (await machines('rolling')).filter((m) => m.role === 'control-plane');
    const refused = await api('POST', `${base}/rolling/machines/${cp!.name}/repair`, { body: {} });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain("would lose etcd's quorum");
    const missing = await api('POST', `${base}/rolling/machines/rolling-w-nope1/repair`, {
      body: {},
    });
    expect(missing.status).toBe(404);
  });

  it('resumes nothing on a converged cluster, and refuses while an Operation runs', async () => {
    const idle = await api('POST', `${base}/rolling/resume`);
    expect(idle.status).toBe(200);
    expect(idle.body.name).toBe('rolling');
    const scale = await api('POST', `${base}/rolling/nodePools/w/scale`, { body: { replicas: 4 } });
    const busy = await api('POST', `${base}/rolling/resume`);
    expect(busy.status).toBe(409);
    await finished(scale.body.id);
  });

  it('replaces a machine its provider reports failed, unasked: a Repair for MachineFailed', async () => {
    const created = await api('POST', base, {
      body: {
        name: 'failing',
        spec: { provider: 'fake', nodePools: [{ name: 'w', replicas: 3 }] },
      },
    });
    expect((await finished(created.body.id)).status).toBe('Succeeded');
    const [victim] = (await machines('failing')).filter((m) => m.role === 'worker');
    // What the cloud does to a server behind kaas's back (Nova's ERROR, a lost host).
    const store = await openDatabase({ url: databaseUrl });
    try {
      await new PostgresFakeCloudStore(store.db).markFailed(
        created.body.clusterId,
        'machine',
        victim!.name,
        'host lost',
      );
    } finally {
      await store.close();
    }
    const repair = await eventually(
      async () =>
        (
          (await api('GET', '/v1/projects/default/operations?cluster=failing')).body.items as {
            id: string;
            type: string;
            steps: { name: string; description: string }[];
          }[]
        ).find((o) => o.type === 'Repair'),
      (o) => o !== undefined,
      60_000,
    );
    expect(repair!.steps[0]).toMatchObject({ name: `replace/${victim!.name}` });
    expect(repair!.steps[0]!.description).toContain('MachineFailed');
    expect((await finished(repair!.id)).status).toBe('Succeeded');
    const workers = (await machines('failing')).filter((m) => m.role === 'worker');
    expect(workers).toHaveLength(3);
    expect(workers.map((m) => m.name)).not.toContain(victim!.name);
    expect(workers.every((m) => m.phase === 'Running')).toBe(true);
    const events = (await api('GET', `${base}/failing/events`)).body.items as {
      reason: string;
      message: string;
    }[];
    expect(events).toContainEqual(
      expect.objectContaining({
        reason: 'MachineFailed',
        message: expect.stringContaining('host lost'),
      }),
    );
  });
});
