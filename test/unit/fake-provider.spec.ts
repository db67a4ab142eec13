import { describe, expect, it } from '@jest/globals';
import { FakeProvider } from '../../src/providers/fake/fake.provider.js';
import { InMemoryFakeCloudStore } from '../../src/providers/fake/fake-cloud.store.js';
import { FaultInjector } from '../../src/providers/fake/fault-injector.js';
import { TerminalError, TransientError } from '../../src/domain/errors.js';
import { clusterSpec } from '../support/factories.js';

function setup(faults = new FaultInjector()) {
  let now = new Date('2026-01-01T00:00:00Z');
  const provider = new FakeProvider(new InMemoryFakeCloudStore(), {
    bootMs: 10_000,
    deleteMs: 2_000,
    faults,
    now: () => now,
  });
  const cluster = { id: 'c1', name: 'demo', projectId: 'p1', spec: clusterSpec() };
  const advance = (ms: number) => (now = new Date(now.getTime() + ms));
  return { provider, cluster, advance };
}

const request = {
  name: 'demo-workers-abcde',
  role: 'worker' as const,
  version: '1.37.2',
  flavor: 'standard',
};

describe('FakeProvider', () => {
  it('boots a machine after the boot delay and removes it after the delete delay', async () => {
    const { provider, cluster, advance } = setup();
    expect((await provider.createMachine(cluster, request)).state).toBe('provisioning');
    advance(9_999);
    expect((await provider.getMachine(cluster, request.name))!.readyInMs).toBe(1);
    advance(1);
    expect((await provider.getMachine(cluster, request.name))!.state).toBe('running');
    await provider.deleteMachine(cluster, request.name);
    expect((await provider.getMachine(cluster, request.name))!.state).toBe('deleting');
    advance(2_000);
    expect(await provider.getMachine(cluster, request.name)).toBeUndefined();
  });

  it('adopts a machine created twice under the same name instead of duplicating it', async () => {
    const { provider, cluster } = setup();
    const first = await provider.createMachine(cluster, request);
    const second = await provider.createMachine(cluster, request);
    expect(second.providerId).toBe(first.providerId);
    expect(await provider.listMachines(cluster)).toHaveLength(1);
  });

  it('lists everything tagged for the cluster until it is gone', async () => {
    const { provider, cluster, advance } = setup();
    await provider.ensureClusterInfrastructure(cluster);
    await provider.createMachine(cluster, request);
    expect((await provider.listTaggedResources('c1')).map((r) => r.kind).sort()).toEqual([
      'loadbalancer',
      'machine',
      'network',
    ]);
    await provider.deleteMachine(cluster, request.name);
    expect((await provider.deleteClusterInfrastructure(cluster)).gone).toBe(false);
    advance(2_000);
    expect((await provider.deleteClusterInfrastructure(cluster)).gone).toBe(true);
    expect(await provider.listTaggedResources('c1')).toEqual([]);
  });

  it('refuses unknown flavors at preflight, naming the field', async () => {
    const { provider } = setup();
    const problems = await provider.preflight(
      clusterSpec({ nodePools: [{ name: 'w', replicas: 1, flavor: 'huge' }] }),
    );
    expect(problems).toEqual([
      {
        field: 'spec.nodePools[0].flavor',
        message: expect.stringContaining('"huge" does not exist'),
      },
    ]);
  });

  it('fires injected faults the configured number of times', async () => {
    const faults = FaultInjector.parse('createMachine:transient:2,ensureInfrastructure:terminal:1');
    const { provider, cluster } = setup(faults);
    await expect(provider.createMachine(cluster, request)).rejects.toBeInstanceOf(TransientError);
    await expect(provider.createMachine(cluster, request)).rejects.toBeInstanceOf(TransientError);
    await expect(provider.createMachine(cluster, request)).resolves.toMatchObject({
      state: 'provisioning',
    });
    await expect(provider.ensureClusterInfrastructure(cluster)).rejects.toBeInstanceOf(
      TerminalError,
    );
    await expect(provider.ensureClusterInfrastructure(cluster)).resolves.toMatchObject({
      ready: false,
    });
  });

  it('reports an injected boot failure as a failed machine', async () => {
    const faults = FaultInjector.parse('bootMachine:terminal:1');
    const { provider, cluster } = setup(faults);
    expect(await provider.createMachine(cluster, request)).toMatchObject({
      state: 'failed',
      failureReason: 'injected boot failure',
    });
  });

  it('rejects fault rules it does not understand', () => {
    expect(() => FaultInjector.parse('explode:transient:1')).toThrow(
      'unknown fault point "explode"',
    );
    expect(() => FaultInjector.parse('createMachine:sometimes')).toThrow('unknown fault kind');
    expect(() => FaultInjector.parse('createMachine:transient:0')).toThrow('positive integer');
  });
});
