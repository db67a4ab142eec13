import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { initialStatus } from '../../src/domain/cluster.js';
import { uuidv7 } from '../../src/domain/ids.js';
import { openDatabase, type DatabaseHandle } from '../../src/persistence/database.js';
import { repositories } from '../../src/persistence/repositories.js';
import { ensureInfrastructure } from '../../src/providers/openstack/infrastructure.js';
import { clusterTag } from '../../src/providers/openstack/names.js';
import { listClusterResources } from '../../src/providers/openstack/teardown.js';
import { OrphanSweeper } from '../../src/queue/orphan-sweeper.js';
import { KeyRing, makeKek } from '../../src/security/envelope.js';
import { clusterSpec } from '../support/factories.js';
import { createTestDatabase } from '../support/postgres.js';
import { demoClients, requireTestbed, testbedProvider } from '../support/openstack.js';

describe('the orphan sweeper on the testbed', () => {
  let database: DatabaseHandle;
  let drop: () => Promise<void>;
  const clients = demoClients();
  const keyRing = new KeyRing(makeKek('sweep-1', randomBytes(32)));

  beforeAll(async () => {
    await requireTestbed();
    const db = await createTestDatabase();
    drop = db.drop;
    database = await openDatabase({ url: db.url });
  });

  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  it('deletes what is tagged for a deleted cluster and leaves an unknown cluster’s alone', async () => {
    const repos = repositories(database.db);
    const provider = await testbedProvider(database.db, keyRing);
    const projectId = uuidv7();
    await repos.projects.insert({ id: projectId, name: 'p', quotaClusters: 5, quotaNodes: 5 });
    const openstack = { cloud: 'testbed', image: 'ubuntu-22.04-kube-v1.30.4' };
    const spec = clusterSpec({ provider: 'openstack', nodePools: [], openstack });
    const deleted = await repos.clusters.insert({
      id: uuidv7(),
      projectId,
      name: 'gone',
      spec,
      status: initialStatus(),
    });
    await repos.clusters.markDeleted(deleted.id);
    // Left behind by a deleted cluster: a network, a router, groups and a tagged server.
    const target = { clusterId: deleted.id, spec: spec.openstack! };
    await ensureInfrastructure(clients, target);
    const stranger = uuidv7();
    const strangerNet = await clients.neutron.create(
      'networks',
      { name: `kaas-${stranger}-network` },
      [clusterTag(stranger)],
    );

    const sweeper = new OrphanSweeper(database, new Map([['openstack', provider]]));
    try {
      expect((await listClusterResources(clients, deleted.id)).length).toBeGreaterThan(0);
      const deadline = Date.now() + 120_000;
      while ((await listClusterResources(clients, deleted.id)).length > 0) {
        if (Date.now() > deadline) throw new Error('the sweep did not finish in 120 s');
        await sweeper.sweep();
        await new Promise((r) => setTimeout(r, 2_000));
      }
      expect(await listClusterResources(clients, deleted.id)).toEqual([]);
      expect(await clients.neutron.show('networks', strangerNet.id)).toMatchObject({
        id: strangerNet.id,
      });
    } finally {
      await clients.neutron.delete('networks', strangerNet.id);
    }
  });
});
