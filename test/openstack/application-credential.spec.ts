import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { clusterSpec } from '../support/factories.js';
import { uuidv7 } from '../../src/domain/ids.js';
import { openDatabase, type DatabaseHandle } from '../../src/persistence/database.js';
import { repositories } from '../../src/persistence/repositories.js';
import { clusterSecrets } from '../../src/persistence/schema.js';
import {
  ApplicationCredentialsClient,
  applicationCredentialName,
} from '../../src/providers/openstack/application-credentials.js';
import { AuthenticationError, KeystoneSession } from '../../src/providers/openstack/keystone.js';
import {
  ensureInfrastructure,
  externalNetwork,
  findClusterNetwork,
} from '../../src/providers/openstack/infrastructure.js';
import { OpenStackProvider } from '../../src/providers/openstack/openstack.provider.js';
import { listClusterResources } from '../../src/providers/openstack/teardown.js';
import { KeyRing, makeKek } from '../../src/security/envelope.js';
import { createTestDatabase } from '../support/postgres.js';
import {
  demoClients,
  requireTestbed,
  TESTBED_AUTH_URL,
  testbedProvider,
} from '../support/openstack.js';

/**
 * The cloud controller manager of an OpenStack cluster signs in with an application
 * credential of its own, which kaas makes for the cluster and deletes with it: never with
 * the credentials kaas holds for the cloud.
 */
describe('the per-cluster application credential, on the testbed', () => {
  let database: DatabaseHandle;
  let drop: () => Promise<void>;
  let provider: OpenStackProvider;
  const clients = demoClients();
  const credentials = new ApplicationCredentialsClient(clients.session);
  const keyRing = new KeyRing(makeKek('appcred-1', randomBytes(32)));
  const spec = clusterSpec({
    provider: 'openstack',
    nodePools: [],
    openstack: { cloud: 'testbed', image: 'ubuntu-22.04-kube-v1.30.4' },
  });
  const cluster = (id: string) => ({ id, projectId: id, name: `c-${id.slice(-6)}`, spec });

  const signIn = (id: string, secret: string) =>
    new KeystoneSession({
      authUrl: TESTBED_AUTH_URL,
      region: 'RegionOne',
      interface: 'public',
      credentials: { type: 'applicationCredential', id, secret },
    }).verify();

  const named = async (clusterId: string) =>
    credentials.list(await clients.session.userId(), applicationCredentialName(clusterId));

  beforeAll(async () => {
    await requireTestbed();
    const db = await createTestDatabase();
    drop = db.drop;
    database = await openDatabase({ url: db.url });
    provider = await testbedProvider(database.db, keyRing);
  });

  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  it('makes one for the cluster, scoped to the cloud project, kept encrypted, made once', async () => {
    const id = uuidv7();
    const inputs = (await provider.addonInputs(cluster(id), 'load-balancer'))!;
    expect(inputs).toMatchObject({ authUrl: TESTBED_AUTH_URL, region: 'RegionOne' });
    const signedIn = await signIn(
      inputs.applicationCredentialId!,
      inputs.applicationCredentialSecret!,
    );
    expect(signedIn.projectId).toBe(await clients.session.projectId());

    const again = (await provider.addonInputs(cluster(id), 'load-balancer'))!;
    expect(again.applicationCredentialId).toBe(inputs.applicationCredentialId);
    expect(await named(id)).toHaveLength(1);
    // The database holds an envelope, not the secret.
    const rows = await database.db.select().from(clusterSecrets);
    expect(JSON.stringify(rows)).not.toContain(inputs.applicationCredentialSecret);
    expect(await provider.addonInputs(cluster(id), 'gpu-operator')).toBeUndefined();

    expect((await provider.deleteClusterInfrastructure(cluster(id))).gone).toBe(true);
    expect(await named(id)).toEqual([]);
    await expect(
      signIn(inputs.applicationCredentialId!, inputs.applicationCredentialSecret!),
    ).rejects.toThrow(AuthenticationError);
  });

  it('replaces one whose secret was lost (a crash before it was stored) or that was deleted behind its back', async () => {
    const id = uuidv7();
    const first = (await provider.addonInputs(cluster(id), 'load-balancer'))!;
    // Lost: Keystone holds it, kaas does not.
    await repositories(database.db).clusterSecrets.delete(id, 'application-credential');
    const second = (await provider.addonInputs(cluster(id), 'load-balancer'))!;
    expect(second.applicationCredentialId).not.toBe(first.applicationCredentialId);
    expect((await named(id)).map((c) => c.id)).toEqual([second.applicationCredentialId]);
    // Deleted in Keystone: kaas holds a dead one.
    await credentials.delete(await clients.session.userId(), second.applicationCredentialId!);
    const third = (await provider.addonInputs(cluster(id), 'load-balancer'))!;
    expect(third.applicationCredentialId).not.toBe(second.applicationCredentialId);
    await signIn(third.applicationCredentialId!, third.applicationCredentialSecret!);

    expect(await listClusterResources(clients, id)).toEqual([
      {
        kind: 'application-credential',
        id: third.applicationCredentialId,
        name: applicationCredentialName(id),
      },
    ]);
    expect((await provider.deleteClusterInfrastructure(cluster(id))).gone).toBe(true);
    expect(await listClusterResources(clients, id)).toEqual([]);
  });

  it('is swept with the rest of a cluster this installation deleted', async () => {
    const orphan = uuidv7();
    const kept = uuidv7();
    await provider.addonInputs(cluster(orphan), 'load-balancer');
    await provider.addonInputs(cluster(kept), 'load-balancer');
    await provider.sweepOrphans(async (clusterId) => clusterId === orphan);
    expect(await named(orphan)).toEqual([]);
    expect(await named(kept)).toHaveLength(1);
    await provider.deleteClusterInfrastructure(cluster(kept));
    expect(await named(kept)).toEqual([]);
  });

  it('gives Ingress v2 the same credential, the cluster subnet and the external network', async () => {
    const id = uuidv7();
    const target = { clusterId: id, spec: spec.openstack! };
    await expect(provider.addonInputs(cluster(id), 'ingress-v2')).rejects.toThrow(
      /cluster network is not there yet/,
    );
    await ensureInfrastructure(clients, target);
    const network = (await findClusterNetwork(clients, target))!;
    const external = await externalNetwork(clients.neutron, spec.openstack!.externalNetwork);
    const inputs = (await provider.addonInputs(cluster(id), 'ingress-v2'))!;
    const lb = (await provider.addonInputs(cluster(id), 'load-balancer'))!;
    expect(inputs).toEqual({
      ...lb,
      clusterId: id,
      vipSubnetId: network.subnetId,
      floatingNetworkId: external.id,
    });
    const deadline = Date.now() + 180_000;
    while (!(await provider.deleteClusterInfrastructure(cluster(id))).gone) {
      if (Date.now() > deadline) throw new Error('the infrastructure was not gone in 180 s');
      await new Promise((r) => setTimeout(r, 2_000));
    }
    expect(await listClusterResources(clients, id)).toEqual([]);
  }, 300_000);
});
