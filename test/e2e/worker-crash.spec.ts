import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createKaasClient, unwrap, type KaasClient, type Operation } from '../../sdk/src/index.js';
import { startKaas, type KaasProcess } from '../support/process.js';
import { createTestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL } from '../support/env.js';
import { ADMIN_TOKEN, uniquePrefix } from '../support/factories.js';
import { eventually } from '../support/http.js';

/**
 * A worker killed with SIGKILL in the middle of an operation: another start of the worker
 * finishes it, and the cloud holds exactly the machines the spec asks for.
 */
describe('a worker killed mid-operation', () => {
  let api: KaasProcess;
  let worker: KaasProcess | undefined;
  let client: KaasClient;
  let databaseUrl: string;
  let drop: () => Promise<void>;
  let env: Record<string, string>;

  beforeAll(async () => {
    const db = await createTestDatabase();
    databaseUrl = db.url;
    drop = db.drop;
    env = {
      KAAS_DATABASE_URL: databaseUrl,
      KAAS_REDIS_URL: TEST_REDIS_URL,
      KAAS_QUEUE_PREFIX: uniquePrefix(),
      KAAS_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      KAAS_FAKE_BOOT_SECONDS: '2',
      KAAS_FAKE_DELETE_SECONDS: '0.5',
      KAAS_LEASE_SECONDS: '3',
      KAAS_JOB_STALLED_SECONDS: '3',
      KAAS_RESYNC_INTERVAL_SECONDS: '2',
    };
    api = await startKaas('api', env);
    client = createKaasClient({ baseUrl: api.url, token: ADMIN_TOKEN });
  }, 90_000);

  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await api?.kill('SIGTERM');
    await drop?.();
  });

  async function machinesAtProvider(clusterId: string) {
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ name: string }>(
      "select name from fake_cloud_resources where cluster_id = $1 and kind = 'machine' and (gone_at is null or gone_at > now())",
      [clusterId],
    );
    await db.end();
    return rows.map((r) => r.name);
  }

  it('completes the create after restarts with no duplicated machine', async () => {
    worker = await startKaas('worker', env);
    const operation = (await unwrap(
      client.createCluster({
        path: { project: 'default' },
        body: {
          name: 'crashy',
          spec: {
            provider: 'fake',
            controlPlane: { replicas: 3 },
            nodePools: [{ name: 'w', replicas: 6 }],
          },
        },
      }),
    )) as Operation;
    const get = () =>
      unwrap(client.getOperation({ path: { project: 'default', operation: operation.id } }));

    // First kill: while the control plane boots.
    await eventually(
      get,
      (op) => op.steps.find((s) => s.name === 'control-plane')?.status === 'Running',
      30_000,
    );
    expect(await worker.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    expect((await get()).status).toBe('Running');
    worker = await startKaas('worker', env);

    // Second kill: while the pool's machines boot.
    await eventually(
      get,
      (op) => op.steps.find((s) => s.name === 'node-pool/w')?.status === 'Running',
      30_000,
    );
    expect(await worker.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    expect((await get()).status).toBe('Running');
    worker = await startKaas('worker', env);

    const final = await client.waitForOperation('default', operation.id, {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    expect(final.status).toBe('Succeeded');
    const machines = await unwrap(
      client.listMachines({ path: { project: 'default', cluster: 'crashy' } }),
    );
    const names = machines.items.map((m) => m.name).sort();
    expect(names).toHaveLength(9);
    expect(new Set(names).size).toBe(9);
    expect((await machinesAtProvider(final.clusterId)).sort()).toEqual(names);
  });
});
