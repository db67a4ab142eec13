import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKaasClient, unwrap, type KaasClient, type Operation } from '../../sdk/src/index.js';
import { embeddedKaasEnv, startKaas, type KaasProcess } from '../support/process.js';
import { ADMIN_TOKEN } from '../support/factories.js';

/**
 * The service started as a user starts it (embedded database in a folder, one process), driven
 * through the generated SDK: create → Running → scale up → scale down → delete.
 */
describe('cluster lifecycle through the SDK', () => {
  let kaas: KaasProcess;
  let client: KaasClient;
  let dataDir: string;
  const project = 'default';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kaas-e2e-'));
    kaas = await startKaas('all', embeddedKaasEnv(dataDir));
    client = createKaasClient({ baseUrl: kaas.url, token: ADMIN_TOKEN });
  }, 90_000);

  afterAll(async () => {
    // Graceful stop: Nest closes everything, then re-raises the signal to end the process.
    const ended = await kaas?.kill('SIGTERM');
    expect(ended).toEqual({ code: null, signal: 'SIGTERM' });
    expect(kaas.output()).not.toMatch(/"level":50/);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Waits for the operation, recording every progress value it shows on the way. */
  async function follow(operation: Operation) {
    const seen: number[] = [];
    const final = await client.waitForOperation(project, operation.id, {
      intervalMs: 100,
      timeoutMs: 60_000,
      onProgress: (op) => seen.push(op.progress),
    });
    return { final, seen };
  }

  it('creates a cluster and reports progress until Running', async () => {
    const operation = (await unwrap(
      client.createCluster({
        path: { project },
        body: {
          name: 'e2e',
          spec: { provider: 'fake', nodePools: [{ name: 'workers', replicas: 2 }] },
        },
      }),
    )) as Operation;
    expect(operation.type).toBe('Create');
    const { final, seen } = await follow(operation);
    expect(final.status).toBe('Succeeded');
    expect(final.steps.every((s) => s.status === 'Done' && s.done === s.total)).toBe(true);
    expect(seen.some((p) => p > 0 && p < 100)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    const cluster = await unwrap(client.getCluster({ path: { project, cluster: 'e2e' } }));
    expect(cluster.status).toMatchObject({
      phase: 'Running',
      nodeCounts: { desired: 3, total: 3, ready: 3 },
    });
  });

  it('scales a pool up and back down', async () => {
    const up = (await unwrap(
      client.scaleNodePool({
        path: { project, cluster: 'e2e', pool: 'workers' },
        body: { replicas: 5 },
      }),
    )) as Operation;
    expect(up.type).toBe('Scale');
    expect((await follow(up)).final.status).toBe('Succeeded');
    let machines = await unwrap(
      client.listMachines({ path: { project, cluster: 'e2e' }, query: { pool: 'workers' } }),
    );
    expect(machines.items.filter((m) => m.phase === 'Running')).toHaveLength(5);

    const down = (await unwrap(
      client.scaleNodePool({
        path: { project, cluster: 'e2e', pool: 'workers' },
        body: { replicas: 1 },
      }),
    )) as Operation;
    const { final } = await follow(down);
    expect(final.status).toBe('Succeeded');
    expect(final.steps[0]).toMatchObject({ name: 'node-pool/workers', total: 4, done: 4 });
    machines = await unwrap(
      client.listMachines({ path: { project, cluster: 'e2e' }, query: { pool: 'workers' } }),
    );
    expect(machines.items).toHaveLength(1);
    const cluster = await unwrap(client.getCluster({ path: { project, cluster: 'e2e' } }));
    expect(cluster.status.nodePools).toEqual([
      expect.objectContaining({ name: 'workers', replicas: 1, readyReplicas: 1 }),
    ]);
  });

  it('deletes the cluster: the operation succeeds and the cluster is gone', async () => {
    const operation = (await unwrap(
      client.deleteCluster({ path: { project, cluster: 'e2e' } }),
    )) as Operation;
    expect(operation.type).toBe('Delete');
    const { final } = await follow(operation);
    expect(final.status).toBe('Succeeded');
    expect(final.steps.map((s) => s.name)).toEqual([
      'delete-machines',
      'delete-infrastructure',
      'verify-deleted',
    ]);
    const gone = await client.getCluster({ path: { project, cluster: 'e2e' } });
    expect(gone.response?.status).toBe(404);
    const history = await unwrap(
      client.listOperations({ path: { project }, query: { cluster: 'e2e' } }),
    );
    expect(history.items.map((o) => `${o.type}:${o.status}`)).toEqual([
      'Create:Succeeded',
      'Scale:Succeeded',
      'Scale:Succeeded',
      'Delete:Succeeded',
    ]);
  });
});
