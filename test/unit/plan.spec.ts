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
