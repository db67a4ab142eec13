import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { startServer, type RunningServer } from '../../src/server.js';
import { clusterTag } from '../../src/providers/openstack/names.js';
import { listClusterResources } from '../../src/providers/openstack/teardown.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { eventually, httpClient } from '../support/http.js';
import {
  DEMO,
  demoClients,
  registerVersionImages,
  requireTestbed,
  TESTBED_AUTH_URL,
} from '../support/openstack.js';

/**
 * The testbed's servers never run kubeadm, so the cluster's API server never answers: an
 * upgrade, which replaces a machine only once its successor's node is Ready, can never start.
 * It must end Failed with the reason after the provider's join timeout, not run for ever.
 */
describe('an upgrade of an OpenStack cluster whose API server never answers', () => {
  let server: RunningServer;
  let drop: () => Promise<void>;
  let api: ReturnType<typeof httpClient>;
  let images: Awaited<ReturnType<typeof registerVersionImages>>;
  const clients = demoClients();

  beforeAll(async () => {
    await requireTestbed();
    images = await registerVersionImages();
    const db = await createTestDatabase();
    drop = db.drop;
    server = await startServer(
      'all',
      testConfig({
        KAAS_DATABASE_URL: db.url,
        KAAS_PROVIDERS: 'fake,openstack',
        KAAS_KEK: `upgrade-1:${randomBytes(32).toString('base64')}`,
        KAAS_OPENSTACK_NODE_JOIN_TIMEOUT_SECONDS: '3',
        KAAS_RETRY_MAX_SECONDS: '2',
      }),
    );
    api = httpClient(server.url, ADMIN_TOKEN);
    expect((await api('POST', '/v1/projects', { body: { name: 'up' } })).status).toBe(201);
    const cloud = await api('POST', '/v1/clouds', {
      body: { name: 'testbed', authUrl: TESTBED_AUTH_URL, credentials: DEMO },
    });
    expect(cloud.status).toBe(201);
    expect((await api('PUT', '/v1/clouds/testbed/grants/up')).status).toBe(204);
  });

  afterAll(async () => {
    await images?.remove();
    await server?.close();
    await drop?.();
  });

  const settled = (id: string) =>
    eventually(
      () => api('GET', `/v1/projects/up/operations/${id}`),
      (a) => ['Succeeded', 'Failed', 'Cancelled'].includes(a.body.status),
      300_000,
    );

  it('ends Failed with NodesNotJoined, having replaced nothing, and the cluster still deletes cleanly', async () => {
    const created = await api('POST', '/v1/projects/up/clusters', {
      body: {
        name: 'old',
        spec: {
          provider: 'openstack',
          kubernetesVersion: '1.36',
          controlPlane: { replicas: 1, flavor: 'm1.small' },
          nodePools: [{ name: 'w', replicas: 1, flavor: 'm1.small' }],
          openstack: { cloud: 'testbed', image: images.template },
        },
      },
    });
    expect(created.status).toBe(202);
    const clusterId: string = created.body.clusterId;
    expect((await settled(created.body.id)).body.error?.reason).toBe('NodesNotJoined');
    const before = (await clients.nova.listServers({ tags: clusterTag(clusterId) })).map(
      (s) => s.id,
    );
    expect(before).toHaveLength(2);

    const upgrade = await api('PATCH', '/v1/projects/up/clusters/old', {
      body: { spec: { kubernetesVersion: '1.37' } },
    });
    expect(upgrade.status).toBe(202);
    const startedAt = Date.now();
    const upgraded = await settled(upgrade.body.id);
    expect({ status: upgraded.body.status, reason: upgraded.body.error?.reason }).toEqual({
      status: 'Failed',
      reason: 'NodesNotJoined',
    });
    expect(upgraded.body.error.message).toMatch(/API server does not answer/);
    expect(Date.now() - startedAt).toBeLessThan(60_000);
    const after = (await clients.nova.listServers({ tags: clusterTag(clusterId) })).map(
      (s) => s.id,
    );
    expect(after.sort()).toEqual(before.sort());

    const deleted = await api('DELETE', '/v1/projects/up/clusters/old');
    expect(deleted.status).toBe(202);
    expect((await settled(deleted.body.id)).body.status).toBe('Succeeded');
    expect(await listClusterResources(clients, clusterId)).toEqual([]);
  });
});
