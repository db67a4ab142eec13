import { describe, expect, it } from '@jest/globals';
import { clusterSpecSchema } from '../../src/domain/cluster.js';
import { validateClusterSpec } from '../../src/domain/cluster-validation.js';
import { clusterRepairPolicy } from '../../src/domain/auto-repair.js';
import {
  assessClusterHealth,
  type ClusterHealthInput,
  type ObservedNode,
  type RepairHistoryEntry,
  type WatchedMachine,
} from '../../src/health/repair-policy.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

function machine(name: string, overrides: Partial<WatchedMachine> = {}): WatchedMachine {
  return {
    id: `id-${name}`,
    name,
    role: 'worker',
    pool: 'workers',
    phase: 'Running',
    nodeName: name,
    createdAt: ago(3600),
    failureReason: null,
    drainStartedAt: null,
    ...overrides,
  };
}

const ready = (name: string): ObservedNode => ({
  name,
  ready: true,
  readySince: ago(3000).toISOString(),
});
const notReady = (name: string, forSeconds: number): ObservedNode => ({
  name,
  ready: false,
  readySince: ago(forSeconds).toISOString(),
});

function input(
  machines: WatchedMachine[],
  nodes: ObservedNode[],
  overrides: Partial<ClusterHealthInput> = {},
): ClusterHealthInput {
  return {
    clusterId: 'c1',
    spec: clusterSpecSchema.parse({
      provider: 'fake',
      nodePools: [{ name: 'workers', replicas: 5 }],
    }),
    machines,
    nodes: new Map(nodes.map((n) => [n.name, n])),
    nodesSynced: true,
    history: [],
    now: NOW,
    ...overrides,
  };
}

const five = ['a', 'b', 'c', 'd', 'e'].map((n) => machine(n));

describe('auto-repair policy in the spec', () => {
  it('defaults to repair on, 5 min NotReady, 10 min startup, 40% short-circuit', () => {
    const spec = clusterSpecSchema.parse({ provider: 'fake' });
    expect(spec.autoRepair).toEqual({
      enabled: true,
      notReadyTimeoutSeconds: 300,
      startupTimeoutSeconds: 600,
      maxUnhealthyPercent: 40,
      maxRepairsPerWindow: 3,
      windowSeconds: 600,
      backoffSeconds: 60,
    });
    expect(clusterRepairPolicy({})).toEqual(spec.autoRepair);
  });

  it.each([
    [{ autoRepair: { maxUnhealthyPercent: -1 } }, 'autoRepair.maxUnhealthyPercent'],
    [{ autoRepair: { enabled: 'yes' } }, 'autoRepair.enabled'],
    [{ autoRepair: { windowSeconds: 1.5 } }, 'autoRepair.windowSeconds'],
    [{ autoRepair: { surprise: true } }, 'autoRepair'],
    [
      { nodePools: [{ name: 'w', replicas: 1, autoRepair: { maxRepairsPerWindow: 1 } }] },
      'nodePools.0.autoRepair',
    ],
  ])('rejects %j at %s', (extra, path) => {
    const result = clusterSpecSchema.safeParse({ provider: 'fake', ...extra });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it.each([
    [{ maxUnhealthyPercent: 140 }, 'spec.autoRepair.maxUnhealthyPercent', 'must be from 0 to 100'],
    [
      { notReadyTimeoutSeconds: 0 },
      'spec.autoRepair.notReadyTimeoutSeconds',
      'must be from 1 to 86400 seconds',
    ],
    [{ windowSeconds: 86_401 }, 'spec.autoRepair.windowSeconds', 'must be from 1 to 86400 seconds'],
    [{ maxRepairsPerWindow: 101 }, 'spec.autoRepair.maxRepairsPerWindow', 'must be from 0 to 100'],
  ])('answers %j out of range with a problem at %s', (autoRepair, field, message) => {
    const spec = clusterSpecSchema.parse({ provider: 'fake', autoRepair });
    const { problems } = validateClusterSpec(spec, {
      enabledProviders: ['fake'],
      supportedVersions: ['1.37.2'],
      maxPoolReplicas: 10,
    });
    expect(problems).toEqual([{ field, message }]);
  });

  it('rejects a pool override for a cluster whose repair is off', () => {
    const spec = clusterSpecSchema.parse({
      provider: 'fake',
      autoRepair: { enabled: false },
      nodePools: [{ name: 'w', replicas: 1, autoRepair: { enabled: true } }],
    });
    const { problems } = validateClusterSpec(spec, {
      enabledProviders: ['fake'],
      supportedVersions: ['1.37.2'],
      maxPoolReplicas: 10,
    });
    expect(problems).toEqual([
      {
        field: 'spec.nodePools[0].autoRepair.enabled',
        message: 'auto-repair is off for the whole cluster (spec.autoRepair.enabled)',
      },
    ]);
  });
});

describe('which machines are unhealthy', () => {
  it('repairs a node NotReady past its timeout, not one NotReady for less', () => {
    const result = assessClusterHealth(
      input(five, [notReady('a', 301), notReady('b', 299), ready('c'), ready('d'), ready('e')]),
    );
    expect(result.unhealthy.map((u) => [u.machineName, u.reason])).toEqual([['a', 'NodeNotReady']]);
    expect(result.repairs).toEqual([
      expect.objectContaining({ clusterId: 'c1', machineId: 'id-a', reason: 'NodeNotReady' }),
    ]);
    expect(result.nextCheckAt).toEqual(new Date(ago(299).getTime() + 300_000));
  });

  it('takes a pool timeout over the cluster one', () => {
    const spec = clusterSpecSchema.parse({
      provider: 'fake',
      nodePools: [{ name: 'workers', replicas: 5, autoRepair: { notReadyTimeoutSeconds: 30 } }],
    });
    const result = assessClusterHealth(
      input(five, [notReady('a', 31), ready('b'), ready('c'), ready('d'), ready('e')], { spec }),
    );
    expect(result.repairs.map((r) => r.machineId)).toEqual(['id-a']);
  });

  it('repairs a machine whose node never registered after the startup timeout', () => {
    const machines = [
      machine('a', { createdAt: ago(601) }),
      machine('b', { createdAt: ago(599), phase: 'Provisioning' }),
      ...five.slice(2),
    ];
    const result = assessClusterHealth(input(machines, [ready('c'), ready('d'), ready('e')]));
    expect(result.unhealthy.map((u) => [u.machineName, u.reason])).toEqual([
      ['a', 'NodeNeverRegistered'],
    ]);
    expect(result.repairs.map((r) => r.reason)).toEqual(['NodeNeverRegistered']);
  });

  it('judges no missing node before the first list of nodes arrived', () => {
    const machines = [machine('a', { createdAt: ago(601) }), ...five.slice(1)];
    const result = assessClusterHealth(input(machines, [], { nodesSynced: false }));
    expect(result.unhealthy).toEqual([]);
  });

  it('repairs a machine the provider reports failed, naming the failure', () => {
    const machines = [
      machine('a', { phase: 'Failed', failureReason: 'ERROR state' }),
      ...five.slice(1),
    ];
    const result = assessClusterHealth(
      input(
        machines,
        five.slice(1).map((m) => ready(m.name)),
      ),
    );
    expect(result.repairs).toEqual([
      {
        clusterId: 'c1',
        machineId: 'id-a',
        reason: 'MachineFailed',
        message: 'the provider reports machine a failed: ERROR state',
      },
    ]);
  });

  it('ignores machines being deleted or drained for removal', () => {
    const machines = [
      machine('a', { phase: 'Deleting' }),
      machine('b', { drainStartedAt: ago(10) }),
      ...five.slice(2),
    ];
    const nodes = [notReady('a', 900), notReady('b', 900), ready('c'), ready('d'), ready('e')];
    const result = assessClusterHealth(input(machines, nodes));
    expect(result.total).toBe(3);
    expect(result.unhealthy).toEqual([]);
  });
});

describe('no repair storms', () => {
  it('short-circuits repair when 3 of 5 nodes are unhealthy with a 40% limit', () => {
    const nodes = [
      notReady('a', 400),
      notReady('b', 400),
      notReady('c', 400),
      ready('d'),
      ready('e'),
    ];
    const result = assessClusterHealth(input(five, nodes));
    expect(result.unhealthy).toHaveLength(3);
    expect(result.repairs).toEqual([]);
    expect(result.shortCircuit).toEqual({ unhealthy: 3, total: 5, maxUnhealthyPercent: 40 });
    expect(new Set(result.deferred.map((d) => d.reason))).toEqual(new Set(['ShortCircuited']));
  });

  it('short-circuits as soon as one of 3 nodes that went NotReady together times out', () => {
    const nodes = [
      notReady('a', 301),
      notReady('b', 299),
      notReady('c', 299),
      ready('d'),
      ready('e'),
    ];
    const result = assessClusterHealth(input(five, nodes));
    expect(result.unhealthy.map((u) => u.machineName)).toEqual(['a']);
    expect(result.repairs).toEqual([]);
    expect(result.shortCircuit).toEqual({ unhealthy: 3, total: 5, maxUnhealthyPercent: 40 });
  });

  it('repairs 2 of 5 unhealthy (exactly 40%)', () => {
    const nodes = [notReady('a', 400), notReady('b', 400), ready('c'), ready('d'), ready('e')];
    const result = assessClusterHealth(input(five, nodes));
    expect(result.shortCircuit).toBeUndefined();
    expect(result.repairs.map((r) => r.machineId)).toEqual(['id-a', 'id-b']);
  });

  it('starts no more repairs than the window allows and says when the window frees up', () => {
    const spec = clusterSpecSchema.parse({
      provider: 'fake',
      autoRepair: { maxRepairsPerWindow: 3, windowSeconds: 600, maxUnhealthyPercent: 100 },
      nodePools: [{ name: 'workers', replicas: 5 }],
    });
    const history: RepairHistoryEntry[] = [
      { machineId: 'gone-1', role: 'worker', reason: 'NodeNotReady', at: ago(500).toISOString() },
      { machineId: 'gone-2', role: 'worker', reason: 'NodeNotReady', at: ago(100).toISOString() },
      { machineId: 'gone-3', role: 'worker', reason: 'NodeNotReady', at: ago(700).toISOString() },
    ];
    const nodes = [notReady('a', 400), notReady('b', 401), ready('c'), ready('d'), ready('e')];
    const result = assessClusterHealth(input(five, nodes, { spec, history }));
    expect(result.repairs.map((r) => r.machineId)).toEqual(['id-b']);
    expect(result.deferred).toEqual([
      { machineId: 'id-a', reason: 'RateLimited', until: new Date(ago(500).getTime() + 600_000) },
    ]);
    expect(result.nextCheckAt).toEqual(new Date(ago(500).getTime() + 600_000));
  });

  it('backs off a flapping machine exponentially between repairs', () => {
    const nodes = [notReady('a', 400), ready('b'), ready('c'), ready('d'), ready('e')];
    const once: RepairHistoryEntry[] = [
      { machineId: 'id-a', role: 'worker', reason: 'NodeNotReady', at: ago(90).toISOString() },
    ];
    expect(assessClusterHealth(input(five, nodes, { history: once })).repairs).toHaveLength(1);
    const twice: RepairHistoryEntry[] = [
      ...once,
      { machineId: 'id-a', role: 'worker', reason: 'NodeNotReady', at: ago(2000).toISOString() },
    ];
    const result = assessClusterHealth(input(five, nodes, { history: twice }));
    expect(result.repairs).toEqual([]);
    expect(result.deferred).toEqual([
      { machineId: 'id-a', reason: 'Backoff', until: new Date(ago(90).getTime() + 120_000) },
    ]);
  });

  it('leaves machines of a pool with repair turned off alone, still counting them', () => {
    const spec = clusterSpecSchema.parse({
      provider: 'fake',
      nodePools: [{ name: 'workers', replicas: 5, autoRepair: { enabled: false } }],
    });
    const nodes = [notReady('a', 400), ready('b'), ready('c'), ready('d'), ready('e')];
    const result = assessClusterHealth(input(five, nodes, { spec }));
    expect(result.unhealthy).toHaveLength(1);
    expect(result.repairs).toEqual([]);
    expect(result.deferred).toEqual([{ machineId: 'id-a', reason: 'Disabled' }]);
  });

  it('does nothing when the cluster turned repair off', () => {
    const spec = clusterSpecSchema.parse({ provider: 'fake', autoRepair: { enabled: false } });
    const nodes = [
      notReady('a', 400),
      notReady('b', 400),
      notReady('c', 400),
      ready('d'),
      ready('e'),
    ];
    const result = assessClusterHealth(input(five, nodes, { spec }));
    expect(result.shortCircuit).toBeUndefined();
    expect(result.repairs).toEqual([]);
  });
});

describe('control-plane quorum', () => {
  const cp = (name: string, overrides: Partial<WatchedMachine> = {}) =>
    machine(name, { role: 'control-plane', pool: null, ...overrides });
  const workers = ['w1', 'w2', 'w3', 'w4'].map((n) => machine(n));
  const workerNodes = workers.map((w) => ready(w.name));
  const permissive = clusterSpecSchema.parse({
    provider: 'fake',
    autoRepair: { maxUnhealthyPercent: 100 },
    nodePools: [{ name: 'workers', replicas: 4 }],
  });

  it('never repairs the only control-plane machine', () => {
    const result = assessClusterHealth(
      input([cp('cp1'), ...workers], [notReady('cp1', 400), ...workerNodes]),
    );
    expect(result.repairs).toEqual([]);
    expect(result.deferred).toEqual([{ machineId: 'id-cp1', reason: 'Quorum' }]);
  });

  it('repairs one of three control-plane machines while the other two are healthy', () => {
    const cps = [cp('cp1'), cp('cp2'), cp('cp3')];
    const result = assessClusterHealth(
      input(
        [...cps, ...workers],
        [notReady('cp1', 400), ready('cp2'), ready('cp3'), ...workerNodes],
      ),
    );
    expect(result.repairs.map((r) => r.machineId)).toEqual(['id-cp1']);
  });

  it('repairs one control-plane machine at a time', () => {
    const cps = [cp('cp1'), cp('cp2'), cp('cp3'), cp('cp4'), cp('cp5')];
    const nodes = [
      notReady('cp1', 500),
      notReady('cp2', 400),
      ready('cp3'),
      ready('cp4'),
      ready('cp5'),
    ];
    const result = assessClusterHealth(
      input([...cps, ...workers], [...nodes, ...workerNodes], { spec: permissive }),
    );
    expect(result.repairs.map((r) => r.machineId)).toEqual(['id-cp1']);
    expect(result.deferred).toEqual([{ machineId: 'id-cp2', reason: 'Quorum' }]);
  });

  it('waits while another control-plane repair is under way', () => {
    const cps = [cp('cp1'), cp('cp2'), cp('cp3'), cp('cp4', { phase: 'Provisioning' })];
    const nodes = [notReady('cp1', 400), ready('cp2'), ready('cp3')];
    const result = assessClusterHealth(input([...cps, ...workers], [...nodes, ...workerNodes]));
    expect(result.repairs).toEqual([]);
    const requested: RepairHistoryEntry[] = [
      {
        machineId: 'id-cp2',
        role: 'control-plane',
        reason: 'NodeNotReady',
        at: ago(30).toISOString(),
      },
    ];
    const again = assessClusterHealth(
      input([cp('cp1'), cp('cp2'), cp('cp3'), ...workers], [...nodes, ...workerNodes], {
        history: requested,
      }),
    );
    expect(again.deferred).toEqual([{ machineId: 'id-cp1', reason: 'Quorum' }]);
  });

  it('refuses when the others would not keep a majority', () => {
    const cps = [cp('cp1'), cp('cp2'), cp('cp3')];
    const nodes = [notReady('cp1', 500), notReady('cp2', 100), ready('cp3')];
    const result = assessClusterHealth(input([...cps, ...workers], [...nodes, ...workerNodes]));
    expect(result.repairs).toEqual([]);
    expect(result.deferred).toEqual([{ machineId: 'id-cp1', reason: 'Quorum' }]);
  });
});
