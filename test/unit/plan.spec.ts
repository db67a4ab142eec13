import { describe, expect, it } from '@jest/globals';
import { planCluster, type ObservedMachine } from '../../src/domain/plan.js';
import { clusterSpec } from '../support/factories.js';

const running = (
  role: 'control-plane' | 'worker',
  pool: string | null,
  n: number,
): ObservedMachine[] =>
  Array.from({ length: n }, () => ({ role, pool, phase: 'Running' as const }));

describe('planCluster', () => {
  it('plans a new cluster as infrastructure, control plane, each pool, then readiness', () => {
    const spec = clusterSpec({
      nodePools: [
        { name: 'cpu', replicas: 3 },
        { name: 'gpu', replicas: 1, gpu: { count: 1 } },
      ],
    });
    const steps = planCluster({ spec, deleting: false, machines: [], infrastructureReady: false });
    expect(steps.map((s) => [s.name, s.total])).toEqual([
      ['infrastructure', 1],
      ['control-plane', 1],
      ['node-pool/cpu', 3],
      ['node-pool/gpu', 1],
      ['nodes-ready', 5],
    ]);
    expect(steps[2]!.description).toBe('Add 3 machines to the pool cpu (0 → 3)');
  });

  it('plans only the pool that changes when scaling down', () => {
    const spec = clusterSpec({ nodePools: [{ name: 'workers', replicas: 1 }] });
    const machines = [...running('control-plane', null, 1), ...running('worker', 'workers', 4)];
    const steps = planCluster({ spec, deleting: false, machines, infrastructureReady: true });
    expect(steps.map((s) => s.name)).toEqual(['node-pool/workers', 'nodes-ready']);
    expect(steps[0]).toMatchObject({
      total: 3,
      description: 'Drain and remove 3 machines from the pool workers (4 → 1)',
    });
  });

  it('removes the machines of a pool that left the spec', () => {
    const spec = clusterSpec({ nodePools: [] });
    const machines = [...running('control-plane', null, 1), ...running('worker', 'old', 2)];
    const steps = planCluster({ spec, deleting: false, machines, infrastructureReady: true });
    expect(steps[0]).toMatchObject({ name: 'node-pool/old', total: 2 });
  });

  it('does not count deleted or deleting machines as present', () => {
    const spec = clusterSpec({ nodePools: [{ name: 'workers', replicas: 2 }] });
    const machines: ObservedMachine[] = [
      ...running('control-plane', null, 1),
      ...running('worker', 'workers', 1),
      { role: 'worker', pool: 'workers', phase: 'Deleting' },
      { role: 'worker', pool: 'workers', phase: 'Deleted' },
    ];
    const steps = planCluster({ spec, deleting: false, machines, infrastructureReady: true });
    expect(steps[0]).toMatchObject({ name: 'node-pool/workers', total: 1 });
  });

  it('plans to finish removals a former operation began, even when counts already match', () => {
    const spec = clusterSpec({
      nodePools: [
        { name: 'cpu', replicas: 1 },
        { name: 'gpu', replicas: 2 },
      ],
    });
    const machines: ObservedMachine[] = [
      ...running('control-plane', null, 1),
      ...running('worker', 'cpu', 1),
      { role: 'worker', pool: 'cpu', phase: 'Deleting' },
      ...running('worker', 'gpu', 1),
    ];
    const steps = planCluster({ spec, deleting: false, machines, infrastructureReady: true });
    expect(steps.map((s) => [s.name, s.total, s.description])).toEqual([
      ['node-pool/gpu', 1, 'Add 1 machine to the pool gpu (1 → 2)'],
      ['node-pool/cpu', 1, 'Finish removing 1 machine from the pool cpu'],
      ['nodes-ready', 4, 'Wait until all 4 nodes are Ready'],
    ]);
  });

  it('plans an upgrade: control plane first, one machine at a time, etcd member before delete', () => {
    const spec = clusterSpec({
      kubernetesVersion: '1.37.2',
      controlPlane: { replicas: 3 },
      nodePools: [
        { name: 'a', replicas: 1 },
        { name: 'b', replicas: 1, version: '1.36.3' },
      ],
    });
    const machine = (name: string, role: 'control-plane' | 'worker', pool: string | null) => ({
      name,
      role,
      pool,
      phase: 'Running' as const,
      version: '1.36.3',
      replaceReason: null,
    });
    const machines = [
      machine('cp-1', 'control-plane', null),
      machine('cp-2', 'control-plane', null),
      machine('cp-3', 'control-plane', null),
      machine('a-1', 'worker', 'a'),
      machine('b-1', 'worker', 'b'),
    ];
    const steps = planCluster({
      spec,
      deleting: false,
      machines,
      infrastructureReady: true,
      stackedEtcd: true,
    });
    // Pool b is pinned at 1.36.3 and stays; pool a follows the control plane.
    expect(steps.map((s) => s.name)).toEqual([
      'replace/cp-1',
      'replace/cp-2',
      'replace/cp-3',
      'replace/a-1',
      'nodes-ready',
    ]);
    const cp = steps[0]!.description;
    expect(cp).toMatch(/^Replace control-plane machine cp-1 \(1\.36\.3 → 1\.37\.2\): /);
    const order = [
      'add a 1.37.2 control-plane machine and wait until its node is Ready',
      'cordon and drain cp-1',
      'remove the etcd member of cp-1 through the API server',
      'delete cp-1',
    ].map((action) => cp.indexOf(action));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expect(steps[3]!.description).toContain('drain it through the Eviction API');
  });

  it('restarts the control plane processes first where the provider runs them (kwok)', () => {
    const spec = clusterSpec({ kubernetesVersion: '1.37.2', nodePools: [] });
    const machines = [
      {
        name: 'cp-1',
        role: 'control-plane' as const,
        pool: null,
        phase: 'Running' as const,
        version: '1.36.3',
      },
    ];
    const steps = planCluster({
      spec,
      deleting: false,
      machines,
      infrastructureReady: true,
      controlPlaneProcesses: true,
    });
    expect(steps.map((s) => s.name)).toEqual([
      'control-plane/restart',
      'replace/cp-1',
      'nodes-ready',
    ]);
    expect(steps[1]!.description).not.toContain('etcd member');
  });

  it('plans a repair as the replacement of the marked machine', () => {
    const spec = clusterSpec({
      kubernetesVersion: '1.37.2',
      nodePools: [{ name: 'w', replicas: 2 }],
    });
    const machines = [
      {
        name: 'cp',
        role: 'control-plane' as const,
        pool: null,
        phase: 'Running' as const,
        version: '1.37.2',
      },
      {
        name: 'w-1',
        role: 'worker' as const,
        pool: 'w',
        phase: 'Running' as const,
        version: '1.37.2',
      },
      {
        name: 'w-2',
        role: 'worker' as const,
        pool: 'w',
        phase: 'Running' as const,
        version: '1.37.2',
        replaceReason: 'NodeNotReady: Ready has been Unknown for 5m',
      },
    ];
    const steps = planCluster({ spec, deleting: false, machines, infrastructureReady: true });
    expect(steps.map((s) => s.name)).toEqual(['replace/w-2', 'nodes-ready']);
    expect(steps[0]!.description).toContain('repair: NodeNotReady');
  });

  it('keeps the per-machine step of a replacement a cancelled operation left half-way', () => {
    const spec = clusterSpec({
      kubernetesVersion: '1.37.2',
      nodePools: [{ name: 'w', replicas: 1 }],
    });
    const machines = [
      {
        name: 'cp',
        role: 'control-plane' as const,
        pool: null,
        phase: 'Running' as const,
        version: '1.37.2',
      },
      {
        name: 'w-new',
        role: 'worker' as const,
        pool: 'w',
        phase: 'Running' as const,
        version: '1.37.2',
      },
      {
        name: 'w-old',
        role: 'worker' as const,
        pool: 'w',
        phase: 'Deleting' as const,
        version: '1.36.3',
      },
    ];
    const steps = planCluster({ spec, deleting: false, machines, infrastructureReady: true });
    expect(steps.map((s) => [s.name, s.description])).toEqual([
      ['replace/w-old', 'Finish replacing machine w-old: drain it and delete it'],
      ['nodes-ready', 'Wait until all 2 nodes are Ready'],
    ]);
  });

  it('plans a delete as machines, infrastructure, then verification', () => {
    const machines = [...running('control-plane', null, 3), ...running('worker', 'workers', 2)];
    const steps = planCluster({
      spec: clusterSpec(),
      deleting: true,
      machines,
      infrastructureReady: true,
    });
    expect(steps.map((s) => [s.name, s.total])).toEqual([
      ['delete-machines', 5],
      ['delete-infrastructure', 1],
      ['verify-deleted', 1],
    ]);
  });
});
