import { describe, expect, it } from '@jest/globals';
import { changesVersions, minorDistance, upgradeProblems } from '../../src/domain/upgrade-rules.js';
import { clusterSpec } from '../support/factories.js';

const at = (cp: string, pools: { name: string; version?: string }[] = [{ name: 'w' }]) =>
  clusterSpec({
    kubernetesVersion: cp,
    nodePools: pools.map((p) => ({
      name: p.name,
      replicas: 1,
      ...(p.version ? { version: p.version } : {}),
    })),
  });

describe('upgradeProblems', () => {
  it('accepts one minor up, with pools that follow the control plane', () => {
    expect(upgradeProblems(at('1.36.3'), at('1.37.2'))).toEqual([]);
    expect(changesVersions(at('1.36.3'), at('1.37.2'))).toBe(true);
  });

  it('accepts a pool pinned behind the control plane within the kubelet skew', () => {
    expect(
      upgradeProblems(
        at('1.36.3', [{ name: 'w', version: '1.36.3' }]),
        at('1.37.2', [{ name: 'w', version: '1.36.3' }]),
      ),
    ).toEqual([]);
  });

  it('refuses a downgrade of the control plane, naming both versions', () => {
    expect(upgradeProblems(at('1.37.2'), at('1.36.3'))).toContainEqual({
      field: 'spec.kubernetesVersion',
      message: 'cannot downgrade the control plane from 1.37.2 to 1.36.3',
    });
  });

  it('refuses skipping a minor and says which minor comes first', () => {
    const problems = upgradeProblems(at('1.35.0'), at('1.37.2'));
    expect(problems).toEqual([
      {
        field: 'spec.kubernetesVersion',
        message:
          'the control plane moves one minor version at a time: upgrade 1.35.0 to 1.36 first',
      },
    ]);
  });

  it('refuses a pool downgrade and a pool left more than three minors behind', () => {
    const down = upgradeProblems(
      at('1.37.2', [{ name: 'w', version: '1.37.2' }]),
      at('1.37.2', [{ name: 'w', version: '1.36.3' }]),
    );
    expect(down.map((p) => p.field)).toEqual(['spec.nodePools[0].version']);
    expect(down[0]!.message).toContain('cannot downgrade pool w from 1.37.2 to 1.36.3');

    const skew = upgradeProblems(
      at('1.36.0', [{ name: 'old', version: '1.33.0' }]),
      at('1.37.0', [{ name: 'old', version: '1.33.0' }]),
    );
    expect(skew[0]!.message).toContain(
      'more than 3 minor versions behind the control plane (1.37.0)',
    );
  });

  it('counts minors between versions', () => {
    expect(minorDistance('1.33.9', '1.36.0')).toBe(3);
    expect(minorDistance('1.37.0', '1.36.0')).toBe(-1);
  });

  it('does not call a replica change an upgrade', () => {
    const before = at('1.37.2');
    const after = { ...before, nodePools: before.nodePools.map((p) => ({ ...p, replicas: 5 })) };
    expect(changesVersions(before, after)).toBe(false);
  });
});
