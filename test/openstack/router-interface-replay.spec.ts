import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { openstackClients } from '../../src/providers/openstack/clients.js';
import { ensureNetwork, externalNetwork } from '../../src/providers/openstack/infrastructure.js';
import { KeystoneSession } from '../../src/providers/openstack/keystone.js';
import { deleteInfrastructure } from '../../src/providers/openstack/teardown.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { clusterSpec } from '../support/factories.js';
import {
  demoClients,
  demoConnection,
  requireTestbed,
  TESTBED_AUTH_URL,
} from '../support/openstack.js';

describe('a router interface whose answer was lost', () => {
  it('is taken as added when Neutron refuses it sent again, not failed as a rejected request', async () => {
    await requireTestbed();
    let adds = 0;
    // The first add reaches Neutron and is carried out; its answer never comes back.
    const proxy = await startFaultProxy({
      keystone: new URL(TESTBED_AUTH_URL).origin,
      seed: 1,
      rate: 0,
      // Held well past the client's timeout, which itself leaves the testbed's slowest normal
      // answers (a router create on a busy machine: several seconds) room to arrive.
      holdMs: 15_000,
      decide: (method, path) =>
        method === 'PUT' && path.endsWith('/add_router_interface') && adds++ === 0
          ? 'heldAfterWork'
          : undefined,
    });
    proxy.arm(true);
    const clients = openstackClients(
      new KeystoneSession({ ...demoConnection(), authUrl: proxy.authUrl }, { timeoutMs: 12_000 }),
    );
    const clusterId = randomUUID();
    const spec = clusterSpec({
      provider: 'openstack',
      openstack: { cloud: 'testbed', image: 'ubuntu-22.04-kube-v1.30.4' },
    }).openstack!;
    const target = { clusterId, spec };
    try {
      const external = await externalNetwork(clients.neutron, spec.externalNetwork);
      const { subnetId } = await ensureNetwork(clients, target, external);
      // The add was sent again after the timeout, and Neutron refused it: it was done already.
      const answers = proxy.counts.answered.filter((a) => a.includes('/add_router_interface'));
      expect(answers.map((a) => a.replace(/\/routers\/[^/]+/, '/routers/<id>'))).toEqual([
        'PUT /v2.0/routers/<id>/add_router_interface 200',
        'PUT /v2.0/routers/<id>/add_router_interface 400',
      ]);
      const interfaces = await demoClients().neutron.list('ports', {
        device_owner: 'network:router_interface',
        fixed_ips: `subnet_id=${subnetId}`,
      });
      expect(interfaces).toHaveLength(1);
    } finally {
      await proxy.stop();
      for (let pass = 0; pass < 10; pass++)
        if ((await deleteInfrastructure(demoClients(), target)).gone) break;
    }
    expect((await deleteInfrastructure(demoClients(), target)).left).toEqual([]);
  });
});
