import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { clusterTag, portName } from '../../src/providers/openstack/names.js';
import { listClusterResources } from '../../src/providers/openstack/teardown.js';
import { createTestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL } from '../support/env.js';
import { ADMIN_TOKEN, uniquePrefix } from '../support/factories.js';
import { eventually, httpClient } from '../support/http.js';
import {
  DEMO,
  demoClients,
  registerVersionImages,
  requireTestbed,
  TESTBED_AUTH_URL,
} from '../support/openstack.js';
import { startKaas, type KaasProcess } from '../support/process.js';

/**
 * The worker is killed with SIGKILL while it creates servers on the testbed; a new worker
 * finishes the create from what the cloud holds: every machine has exactly one server and one
 * port, and deleting the cluster leaves nothing.
 */
describe('a worker killed while it creates OpenStack servers', () => {
  let api: KaasProcess;
  let worker: KaasProcess | undefined;
  let drop: () => Promise<void>;
  let env: Record<string, string>;
  const clients = demoClients();
  let request: ReturnType<typeof httpClient>;

  // Images for the versions kaas runs: the testbed's own is for Kubernetes 1.30.
  let images: Awaited<ReturnType<typeof registerVersionImages>>;

  beforeAll(async () => {
    await requireTestbed();
    images = await registerVersionImages();
    const db = await createTestDatabase();
    drop = db.drop;
    env = {
      KAAS_DATABASE_URL: db.url,
      KAAS_REDIS_URL: TEST_REDIS_URL,
      KAAS_QUEUE_PREFIX: uniquePrefix(),
      KAAS_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      KAAS_PROVIDERS: 'fake,openstack',
      KAAS_KEK: `crash-1:${randomBytes(32).toString('base64')}`,
      KAAS_LEASE_SECONDS: '3',
      KAAS_JOB_STALLED_SECONDS: '3',
      KAAS_RESYNC_INTERVAL_SECONDS: '2',
      KAAS_RETRY_MAX_SECONDS: '2',
      KAAS_OPENSTACK_NODE_JOIN_TIMEOUT_SECONDS: '3',
    };
    api = await startKaas('api', env);
    request = httpClient(api.url, ADMIN_TOKEN);
    await request('POST', '/v1/projects', { body: { name: 'crash' } });
    const cloud = await request('POST', '/v1/clouds', {
      body: { name: 'testbed', authUrl: TESTBED_AUTH_URL, credentials: DEMO },
    });
    expect(cloud.status).toBe(201);
    await request('PUT', '/v1/clouds/testbed/grants/crash');
  }, 120_000);

  afterAll(async () => {
    await images?.remove();
    await worker?.kill('SIGTERM');
    await api?.kill('SIGTERM');
    await drop?.();
  });

  it('adopts what the killed worker created: no duplicated server, nothing leaked', async () => {
    worker = await startKaas('worker', env);
    const created = await request('POST', '/v1/projects/crash/clusters', {
      body: {
        name: 'crashy',
        spec: {
          provider: 'openstack',
          controlPlane: { replicas: 1, flavor: 'm1.small' },
          nodePools: [{ name: 'w', replicas: 3, flavor: 'm1.small' }],
          openstack: { cloud: 'testbed', image: images.template },
        },
      },
    });
    expect(created.status).toBe(202);
    const clusterId: string = created.body.clusterId;
    const tag = clusterTag(clusterId);

    // Kill it as soon as the first server exists: the others are being created.
    await eventually(
      () => clients.nova.listServers({ tags: tag }),
      (s) => s.length >= 1,
      180_000,
    );
    expect(await worker.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    worker = await startKaas('worker', env);

    const operation = await eventually(
      () => request('GET', `/v1/projects/crash/operations/${created.body.id}`),
      (a) => ['Succeeded', 'Failed'].includes(a.body.status),
      400_000,
    );
    expect(operation.body.error?.reason).toBe('NodesNotJoined');
    const machines = (await request('GET', '/v1/projects/crash/clusters/crashy/machines')).body
      .items as { name: string; providerId: string }[];
    const servers = await clients.nova.listServers({ tags: tag });
    expect(machines).toHaveLength(4);
    expect(servers.map((s) => s.name).sort()).toEqual(machines.map((m) => m.name).sort());
    expect(servers.map((s) => s.id).sort()).toEqual(machines.map((m) => m.providerId).sort());
    const ports = await clients.neutron.list('ports', { tags: tag });
    expect(ports.map((p) => p.name).sort()).toEqual(machines.map((m) => portName(m.name)).sort());

    const deleted = await request('DELETE', '/v1/projects/crash/clusters/crashy');
    expect(deleted.status).toBe(202);
    const gone = await eventually(
      () => request('GET', `/v1/projects/crash/operations/${deleted.body.id}`),
      (a) => ['Succeeded', 'Failed'].includes(a.body.status),
      400_000,
    );
    expect(gone.body.status).toBe('Succeeded');
    expect(await listClusterResources(clients, clusterId)).toEqual([]);
  });
});
