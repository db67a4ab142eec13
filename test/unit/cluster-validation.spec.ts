import { describe, expect, it } from '@jest/globals';
import { clusterSpecSchema } from '../../src/domain/cluster.js';
import {
  quotaProblems,
  validateClusterSpec,
  validateSpecChange,
} from '../../src/domain/cluster-validation.js';
import { clusterSpec } from '../support/factories.js';

const limits = {
  enabledProviders: ['fake'],
  supportedVersions: ['1.36.3', '1.37.2'],
  maxPoolReplicas: 100,
};

describe('cluster spec schema', () => {
  it('fills defaults a user would expect', () => {
    const spec = clusterSpecSchema.parse({ provider: 'fake' });
    expect(spec).toMatchObject({
      kubernetesVersion: '1.37.2',
      controlPlane: { replicas: 1 },
      network: { podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12' },
      nodePools: [],
      deletionProtection: false,
    });
  });

  it.each([
    [{ provider: 'fake', nodePools: [{ name: 'Bad_Name', replicas: 1 }] }, 'nodePools.0.name'],
    [{ provider: 'fake', nodePools: [{ name: 'ok', replicas: -1 }] }, 'nodePools.0.replicas'],
    [{ provider: 'fake', nodePools: [{ name: 'ok', replicas: 1.5 }] }, 'nodePools.0.replicas'],
    [{ provider: 'aws' }, 'provider'],
    [{ provider: 'fake', controlPlane: { replicas: 2 } }, 'controlPlane.replicas'],
    [{ provider: 'fake', surprise: true }, ''],
    [{ provider: 'fake', labels: { 'bad key!': 'x' } }, 'labels.bad key!'],
    [{ provider: 'fake', network: { podCidr: '10.0.0.0/40' } }, 'network.podCidr'],
  ])('rejects %j at %s', (input, path) => {
    const result = clusterSpecSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('validateClusterSpec', () => {
  it('resolves a minor version to its newest supported patch', () => {
    const { spec, problems } = validateClusterSpec(
      clusterSpec({ kubernetesVersion: '1.36' }),
      limits,
    );
    expect(problems).toEqual([]);
    expect(spec.kubernetesVersion).toBe('1.36.3');
    // A pool without a version follows the control plane, so none is written into it.
    expect(spec.nodePools[0]!.version).toBeUndefined();
    const pinned = validateClusterSpec(
      clusterSpec({
        kubernetesVersion: '1.37',
        nodePools: [{ name: 'p', replicas: 1, version: '1.36' }],
      }),
      limits,
    ).spec;
    expect(pinned.nodePools[0]!.version).toBe('1.36.3');
  });

  it('names every offending field', () => {
    const input = clusterSpec({
      provider: 'kwok',
      kubernetesVersion: '1.20.0',
      nodePools: [
        { name: 'a', replicas: 101 },
        { name: 'a', replicas: 1, upgrade: { maxSurge: 0, maxUnavailable: 0 } },
      ],
      network: { podCidr: '10.96.0.0/16', serviceCidr: '10.96.0.0/12' },
    });
    const fields = validateClusterSpec(input, limits).problems.map((p) => p.field);
    expect(fields).toEqual([
      'spec.provider',
      'spec.kubernetesVersion',
      'spec.nodePools[0].replicas',
      'spec.nodePools[1].name',
      'spec.nodePools[1].upgrade',
      'spec.network.serviceCidr',
    ]);
  });

  it('refuses a pool newer than the control plane', () => {
    const input = clusterSpec({
      kubernetesVersion: '1.36.3',
      nodePools: [{ name: 'p', replicas: 1, version: '1.37.2' }],
    });
    expect(validateClusterSpec(input, limits).problems).toEqual([
      {
        field: 'spec.nodePools[0].version',
        message: 'a pool cannot be newer than the control plane (1.36.3)',
      },
    ]);
  });
});

describe('validateSpecChange', () => {
  it('keeps provider and network immutable and refuses a downgrade', () => {
    const before = validateClusterSpec(clusterSpec(), limits).spec;
    const after = {
      ...before,
      provider: 'kind' as const,
      kubernetesVersion: '1.36.3',
      network: { ...before.network, podCidr: '10.0.0.0/16' },
    };
    expect(validateSpecChange(before, after).map((p) => p.field)).toEqual([
      'spec.provider',
      'spec.network.podCidr',
      'spec.kubernetesVersion',
      // The pool follows the control plane, so it would be downgraded too.
      'spec.nodePools[0].version',
    ]);
  });

  it('compares pools by value, whatever order the database keeps their keys in', () => {
    const before = validateClusterSpec(
      clusterSpec({ nodePools: [{ name: 'g', replicas: 1, gpu: { count: 2, type: 't4' } }] }),
      limits,
    ).spec;
    // PostgreSQL's jsonb hands keys back shortest first: { type, count }.
    const stored = {
      ...before,
      nodePools: before.nodePools.map((p) => ({ ...p, gpu: { type: 't4', count: 2 } })),
    };
    const after = validateClusterSpec(
      clusterSpec({ nodePools: [{ name: 'g', replicas: 3, gpu: { count: 2, type: 't4' } }] }),
      limits,
    ).spec;
    expect(validateSpecChange(stored, after)).toEqual([]);
  });

  it('allows changing replicas and adding pools', () => {
    const before = validateClusterSpec(clusterSpec(), limits).spec;
    const after = validateClusterSpec(
      clusterSpec({
        nodePools: [
          { name: 'workers', replicas: 9 },
          { name: 'more', replicas: 1 },
        ],
      }),
      limits,
    ).spec;
    expect(validateSpecChange(before, after)).toEqual([]);
  });
});

describe('quotaProblems', () => {
  it('counts control planes and pools of every live cluster in the project', () => {
    const other = clusterSpec({ nodePools: [{ name: 'w', replicas: 5 }] });
    const spec = clusterSpec({ nodePools: [{ name: 'w', replicas: 4 }] });
    expect(quotaProblems({ clusters: 5, nodes: 11 }, [other], spec, true)).toEqual([]);
    expect(quotaProblems({ clusters: 5, nodes: 10 }, [other], spec, true)[0]!.field).toBe(
      'spec.nodePools',
    );
    expect(quotaProblems({ clusters: 1, nodes: 100 }, [other], spec, true)[0]!.field).toBe('name');
    expect(quotaProblems({ clusters: 1, nodes: 100 }, [other], spec, false)).toEqual([]);
  });
});
