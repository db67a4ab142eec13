import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKaasClient, unwrap, type KaasClient, type Operation } from '../../sdk/src/index.js';
import { TenantKubeClient } from '../../src/kube/tenant-client.js';
import { KwokProvider } from '../../src/providers/kwok/kwok.provider.js';
import { kwokKaasEnv, startKaas, type KaasProcess } from '../support/process.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_TOKEN } from '../support/factories.js';
import { eventually } from '../support/http.js';
import { breakNode, healNode } from '../support/kwok.js';

const NOT_READY_TIMEOUT_S = 5;
const BOOT_S = 1;

/** Where the nodes are watched: in the worker, or in a `kaas monitor` of its own (ADR 0016). */
const DEPLOYMENTS = [
  { deployment: 'kaas all (its worker watches)', separateMonitor: false },
  { deployment: 'kaas all without its monitor, and kaas monitor', separateMonitor: true },
];

/**
 * Auto-repair end to end: kaas with the kwok provider, a worker watching the tenant's nodes,
 * faults injected by stopping nodes' heartbeats. Short-circuit first (3 of 5 down, 40 %), then
 * one NotReady node replaced by a Repair Operation, then the rate limit (1 repair per window)
 * holding back a second one.
 */
describe.each(DEPLOYMENTS)('auto-repair on kwok through $deployment', ({ separateMonitor }) => {
  let kaas: KaasProcess;
  let monitor: KaasProcess | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  let client: KaasClient;
  let dataDir: string;
  let tenant: TenantKubeClient;
  const project = 'default';
  const path = { project, cluster: 'heal' };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kaas-kwok-repair-'));
    const env = kwokKaasEnv(dataDir, BOOT_S);
    if (separateMonitor) {
      // A monitor shares the database with the others: PostgreSQL, not the embedded one.
      const database = await createTestDatabase();
      dropDatabase = database.drop;
      Object.assign(env, { KAAS_DATABASE_URL: database.url, KAAS_WORKER_HEALTH_MONITOR: 'false' });
    }
    kaas = await startKaas('all', env);
    if (separateMonitor) monitor = await startKaas('monitor', env);
    client = createKaasClient({ baseUrl: kaas.url, token: ADMIN_TOKEN });
    const op = (await unwrap(
      client.createCluster({
        path: { project },
        body: {
          name: 'heal',
          spec: {
            provider: 'kwok',
            nodePools: [{ name: 'w', replicas: 5 }],
            addons: { 'load-balancer': { enabled: false } },
            autoRepair: {
              enabled: true,
              startupTimeoutSeconds: 600,
              backoffSeconds: 60,
              notReadyTimeoutSeconds: NOT_READY_TIMEOUT_S,
              maxUnhealthyPercent: 40,
              maxRepairsPerWindow: 1,
              windowSeconds: 3600,
            },
          },
        },
      }),
    )) as Operation;
    const done = await client.waitForOperation(project, op.id, { timeoutMs: 240_000 });
    expect(done.status).toBe('Succeeded');
    const { kubeconfig } = await unwrap(client.getKubeconfig({ path }));
    tenant = await TenantKubeClient.fromKubeconfig(kubeconfig);
  }, 300_000);

  afterAll(async () => {
    const op = await unwrap(client.deleteCluster({ path })).catch(() => undefined);
    if (op) await client.waitForOperation(project, (op as Operation).id).catch(() => undefined);
    await monitor?.kill('SIGTERM');
    await kaas?.kill('SIGTERM');
    await dropDatabase?.();
    mkdirSync('test-artifacts', { recursive: true });
    const log = `test-artifacts/kwok-auto-repair${separateMonitor ? '-split' : ''}`;
    writeFileSync(`${log}-kaas.log`, kaas?.output() ?? '');
    if (monitor) writeFileSync(`${log}-monitor.log`, monitor.output());
    rmSync(dataDir, { recursive: true, force: true });
  });

  const workers = async () =>
    (await unwrap(client.listMachines({ path, query: { pool: 'w' } }))).items.filter(
      (m) => m.phase !== 'Deleted',
    );
  const repairs = async () =>
    (
      await unwrap(client.listOperations({ path: { project }, query: { cluster: 'heal' } }))
    ).items.filter((o) => o.type === 'Repair');
  const remediation = async () =>
    (await unwrap(client.getCluster({ path }))).status.conditions.find(
      (c) => c.type === 'RemediationAllowed',
    );

  /**
   * Turns auto-repair off or on and waits until the monitor has read the change; answers the
   * Update Operation, which ends once every node is Ready.
   */
  async function setRepair(enabled: boolean): Promise<Operation> {
    const op = (await unwrap(
      client.updateCluster({ path, body: { spec: { autoRepair: { enabled } } } }),
    )) as Operation;
    // The monitor reads clusters from the database every 10 s.
    await new Promise((r) => setTimeout(r, 12_000));
    return op;
  }
  const succeeded = async (op: Operation) =>
    expect((await client.waitForOperation(project, op.id, { timeoutMs: 120_000 })).status).toBe(
      'Succeeded',
    );

  it('watches the cluster in one process only: the monitor where there is one', async () => {
    const watched = async (process: KaasProcess) => {
      const text = await (await fetch(`${process.url}/metrics`)).text();
      return Number(/^kaas_health_watched_clusters (\S+)$/m.exec(text)?.[1] ?? 0);
    };
    const watcher = monitor ?? kaas;
    expect(
      await eventually(
        () => watched(watcher),
        (n) => n === 1,
        30_000,
      ),
    ).toBe(1);
    if (monitor) expect(await watched(kaas)).toBe(0);
  });

  it('short-circuits when 3 of 5 workers are NotReady: no repair, and the cluster says why', async () => {
    const victims = (await workers()).slice(0, 3).map((m) => m.nodeName!);
    for (const node of victims) await breakNode(tenant.core, node);
    const condition = await eventually(remediation, (c) => c?.status === 'False', 60_000);
    expect(condition).toMatchObject({ reason: 'TooManyUnhealthy' });
    expect(condition!.message).toContain('3 of 6');
    // Well past the timeout: still nothing repaired.
    await new Promise((r) => setTimeout(r, (NOT_READY_TIMEOUT_S + 10) * 1000));
    expect(await repairs()).toEqual([]);
    // Healing one node at a time would lift the short-circuit while the others are still past
    // their timeout, and they would be repaired (rightly): repair is paused while they heal.
    const off = await setRepair(false);
    for (const node of victims) await healNode(tenant.core, node);
    await eventually(
      async () => (await tenant.listNodes()) ?? [],
      (nodes) => nodes.length === 6 && nodes.every((n) => n.ready),
      60_000,
    );
    await eventually(remediation, (c) => c === undefined || c.status === 'True', 60_000);
    await succeeded(off);
    await succeeded(await setRepair(true));
  });

  it('replaces one NotReady worker within the timeout plus boot time and a margin', async () => {
    const before = await workers();
    // One the short-circuit test left alone, so its NotReady clock starts now.
    const victim = before.at(-1)!;
    const brokeAt = await breakNode(tenant.core, victim.nodeName!);
    const repair = await eventually(repairs, (ops) => ops.length === 1, 60_000);
    const askedAfter = (Date.parse(repair[0]!.createdAt) - brokeAt) / 1000;
    // Asked for once the node has been NotReady for the timeout, within the monitor's slack.
    expect(askedAfter).toBeGreaterThanOrEqual(NOT_READY_TIMEOUT_S - 1);
    expect(askedAfter).toBeLessThanOrEqual(NOT_READY_TIMEOUT_S + 5);
    expect(repair[0]!.steps[0]).toMatchObject({ name: `replace/${victim.name}` });
    expect(repair[0]!.steps[0]!.description).toContain('NodeNotReady');
    const done = await client.waitForOperation(project, repair[0]!.id, { timeoutMs: 120_000 });
    expect(done.status).toBe('Succeeded');
    const repairedIn = (Date.parse(done.finishedAt!) - brokeAt) / 1000;
    console.log(
      `auto-repair: asked ${askedAfter.toFixed(1)} s after the fault, replaced ${repairedIn.toFixed(1)} s after it (timeout ${NOT_READY_TIMEOUT_S} s + boot ${BOOT_S} s)`,
    );
    const after = await workers();
    expect(after).toHaveLength(5);
    expect(after.map((m) => m.name)).not.toContain(victim.name);
    const nodes = (await tenant.listNodes())!;
    expect(nodes.find((n) => n.name === victim.nodeName)).toBeUndefined();
    expect(
      nodes.filter((n) => after.some((m) => m.nodeName === n.name)).every((n) => n.ready),
    ).toBe(true);
  });

  it('holds back a second repair within the window: one repair per hour here', async () => {
    const victim = (await workers())[0]!;
    await breakNode(tenant.core, victim.nodeName!);
    await new Promise((r) => setTimeout(r, (NOT_READY_TIMEOUT_S + 10) * 1000));
    expect(await repairs()).toHaveLength(1);
    expect((await workers()).map((m) => m.name)).toContain(victim.name);
    await healNode(tenant.core, victim.nodeName!);
  });

  it('replaces a machine that has no node past its startup timeout', async () => {
    // A longer window allowance and a short startup timeout; every machine here is older.
    const STARTUP_S = 20;
    const policy = (await unwrap(
      client.updateCluster({
        path,
        body: {
          spec: { autoRepair: { maxRepairsPerWindow: 3, startupTimeoutSeconds: STARTUP_S } },
        },
      }),
    )) as Operation;
    await succeeded(policy);
    const before = await repairs();
    const victim = (await workers()).at(-1)!;
    // As if its kubelet had never registered: the machine runs, the cluster has no such node.
    // The record's flag keeps kwok's simulated kubelet from registering it again on the next
    // look at the machine (the periodic observation of every cluster looks too).
    const record = join(
      dataDir,
      'kwok',
      'clusters',
      KwokProvider.clusterName((await unwrap(client.getCluster({ path }))).id),
      'kaas-machines',
      `${victim.name}.json`,
    );
    writeFileSync(
      record,
      JSON.stringify({ ...JSON.parse(readFileSync(record, 'utf8')), neverRegisters: true }),
    );
    await tenant.core.deleteNode({ name: victim.nodeName! });
    const repair = await eventually(
      async () => (await repairs()).filter((o) => !before.some((b) => b.id === o.id)),
      (ops) => ops.length === 1,
      90_000,
    );
    expect(repair[0]!.steps[0]).toMatchObject({ name: `replace/${victim.name}` });
    expect(repair[0]!.steps[0]!.description).toContain('NodeNeverRegistered');
    const done = await client.waitForOperation(project, repair[0]!.id, { timeoutMs: 120_000 });
    expect(done.status).toBe('Succeeded');
    const after = await workers();
    expect(after).toHaveLength(5);
    expect(after.map((m) => m.name)).not.toContain(victim.name);
    const nodes = (await tenant.listNodes())!;
    expect(after.every((m) => nodes.some((n) => n.name === m.nodeName && n.ready))).toBe(true);
  });
});
