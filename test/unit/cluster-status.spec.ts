import { describe, expect, it } from '@jest/globals';
import type { MachinePhase } from '../../src/domain/machine.js';
import type { MachineRecord } from '../../src/persistence/records.js';
import { buildStatus } from '../../src/reconcilers/cluster/cluster-status.js';
import { clusterSpec } from '../support/factories.js';

function machine(
  name: string,
  role: 'control-plane' | 'worker',
  version: string,
  phase: MachinePhase,
): MachineRecord {
  const at = new Date('2026-11-29T08:00:00Z');
  return {
    id: name,
    clusterId: 'c',
    name,
    role,
    pool: role === 'worker' ? 'workers' : null,
    providerId: `fake://${name}`,
    phase,
    nodeName: name,
    version,
    failureReason: null,
    drainStartedAt: phase === 'Deleting' ? at : null,
    replaceReason: null,
    createdAt: at,
    updatedAt: at,
    deletedAt: phase === 'Deleted' ? at : null,
  };
}

describe('cluster status after a cancelled upgrade', () => {
  it('reports the versions of machines still being drained, but not as replicas', () => {
    const status = buildStatus({
      spec: clusterSpec({ kubernetesVersion: '1.37' }),
      previous: { phase: 'Running', conditions: [], observedGeneration: 1 } as never,
      conditions: [],
      machines: [
        machine('cp-new', 'control-plane', '1.37.2', 'Running'),
        machine('cp-old', 'control-plane', '1.36.3', 'Deleted'),
        machine('w-new', 'worker', '1.37.2', 'Running'),
        machine('w-held', 'worker', '1.36.3', 'Deleting'),
        machine('w-gone', 'worker', '1.36.3', 'Deleted'),
        machine('w-old', 'worker', '1.36.3', 'Running'),
      ],
      readyNodes: new Set(['cp-new', 'w-new', 'w-old', 'w-held']),
      phase: 'Running',
      observedGeneration: 2,
    });
    expect(status.controlPlaneVersion).toBe('1.37.2');
    expect(status.nodePools).toEqual([
      {
        name: 'workers',
        desiredReplicas: 2,
        replicas: 2,
        readyReplicas: 2,
        versions: ['1.36.3', '1.37.2'],
      },
    ]);
    expect(status.nodeCounts).toEqual({ desired: 3, total: 3, ready: 3 });
  });

  it('orders versions numerically, so 1.37.10 comes after 1.37.9', () => {
    const status = buildStatus({
      spec: clusterSpec(),
      previous: { phase: 'Running', conditions: [], observedGeneration: 1 } as never,
      conditions: [],
      machines: [
        machine('a', 'worker', '1.37.10', 'Running'),
        machine('b', 'worker', '1.37.9', 'Deleting'),
      ],
      phase: 'Running',
      observedGeneration: 1,
    });
    expect(status.nodePools[0]!.versions).toEqual(['1.37.9', '1.37.10']);
  });
});
