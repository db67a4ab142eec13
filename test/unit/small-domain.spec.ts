import { describe, expect, it } from '@jest/globals';
import { compareVersions, resolveKubernetesVersion } from '../../src/domain/versions.js';
import { setCondition, type Condition } from '../../src/domain/conditions.js';
import { retryDelayMs } from '../../src/reconcilers/cluster/backoff.js';
import { operationProgress } from '../../src/domain/operation.js';
import { machineName } from '../../src/domain/machine.js';
import { uuidv7 } from '../../src/domain/ids.js';
import { isLabelKey, isLabelValue } from '../../src/domain/names.js';

describe('Kubernetes versions', () => {
  it('resolves exact versions, minors and a leading v', () => {
    const supported = ['1.36.1', '1.36.3', '1.37.2'];
    expect(resolveKubernetesVersion('1.36', supported)).toBe('1.36.3');
    expect(resolveKubernetesVersion('v1.37.2', supported)).toBe('1.37.2');
    expect(resolveKubernetesVersion('1.36.2', supported)).toBeUndefined();
    expect(resolveKubernetesVersion('1.38', supported)).toBeUndefined();
    expect(resolveKubernetesVersion('latest', supported)).toBeUndefined();
  });

  it('orders versions numerically', () => {
    expect(['1.10.0', '1.9.3', '1.37.2'].sort(compareVersions)).toEqual([
      '1.9.3',
      '1.10.0',
      '1.37.2',
    ]);
  });
});

describe('setCondition', () => {
  const base = {
    type: 'Ready' as const,
    reason: 'AsExpected' as const,
    message: 'm',
    observedGeneration: 1,
  };

  it('keeps the transition time while the status stays the same', () => {
    const first = setCondition([], { ...base, status: 'False' }, new Date('2026-01-01T00:00:00Z'));
    const second = setCondition(
      first,
      { ...base, status: 'False', message: 'other' },
      new Date('2026-01-02T00:00:00Z'),
    );
    expect(second[0]!.lastTransitionTime).toBe('2026-01-01T00:00:00.000Z');
    expect(second[0]!.message).toBe('other');
    const third = setCondition(
      second,
      { ...base, status: 'True' },
      new Date('2026-01-03T00:00:00Z'),
    );
    expect(third[0]!.lastTransitionTime).toBe('2026-01-03T00:00:00.000Z');
  });

  it('holds one condition per type, sorted by type', () => {
    let conditions: Condition[] = [];
    conditions = setCondition(conditions, { ...base, type: 'Reconciling', status: 'True' });
    conditions = setCondition(conditions, { ...base, status: 'True' });
    conditions = setCondition(conditions, { ...base, status: 'False' });
    expect(conditions.map((c) => [c.type, c.status])).toEqual([
      ['Ready', 'False'],
      ['Reconciling', 'True'],
    ]);
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially within jitter bounds and stops at the cap', () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(retryDelayMs(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(retryDelayMs(30, 1000, 60_000, () => 1)).toBe(60_000);
    expect(retryDelayMs(30, 1000, 60_000, () => 0)).toBe(30_000);
  });
});

describe('operationProgress', () => {
  it('weights steps by their units of work', () => {
    expect(
      operationProgress([
        { status: 'Done', done: 0, total: 1 },
        { status: 'Running', done: 2, total: 4 },
        { status: 'Pending', done: 0, total: 5 },
      ]),
    ).toBe(30);
    expect(operationProgress([])).toBe(100);
  });
});

describe('names', () => {
  it('fits the longest cluster and pool names in a 63-character machine name', () => {
    expect(machineName('c'.repeat(32), 'p'.repeat(24), 'abcde')).toHaveLength(63);
    expect(machineName('demo', undefined, 'abcde')).toBe('demo-cp-abcde');
  });

  it('validates Kubernetes label keys and values', () => {
    expect(isLabelKey('app.kubernetes.io/name')).toBe(true);
    expect(isLabelKey('team')).toBe(true);
    expect(isLabelKey('/x')).toBe(false);
    expect(isLabelKey('a'.repeat(64))).toBe(false);
    expect(isLabelValue('')).toBe(true);
    expect(isLabelValue('-x')).toBe(false);
  });

  it('makes time-ordered UUIDv7 ids', () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(a < b).toBe(true);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
