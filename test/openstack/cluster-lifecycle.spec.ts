import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { startServer, type RunningServer } from '../../src/server.js';
import { listClusterResources } from '../../src/providers/openstack/teardown.js';
import { clusterTag, portName } from '../../src/providers/openstack/names.js';
import type { NeutronPort } from '../../src/providers/openstack/neutron.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { eventually, httpClient } from '../support/http.js';
import {
  adminClients,
  DEMO,
  demoClients,
  registerVersionImages,
  requireTestbed,
  TESTBED_AUTH_URL,
} from '../support/openstack.js';

const KEK = `test-1:${randomBytes(32).toString('base64')}`;

describe('an openstack cluster on the real testbed, through the API', () => {
  let server: RunningServer;
  let drop: () => Promise<void>;
  let api: ReturnType<typeof httpClient>;
  const clients = demoClients();
  let clusterId = '';
  let images: Awaited<ReturnType<typeof registerVersionImages>>;

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
        KAAS_KEK: KEK,
        KAAS_OPENSTACK_NODE_JOIN_TIMEOUT_SECONDS: '5',
        KAAS_RETRY_MAX_SECONDS: '2',
        KAAS_OBSERVE_INTERVAL_SECONDS: '3',
      }),
    );
    api = httpClient(server.url, ADMIN_TOKEN);
    expect((await api('POST', '/v1/projects', { body: { name: 'ml' } })).status).toBe(201);
    const cloud = await api('POST', '/v1/clouds', {
      body: { name: 'testbed', authUrl: TESTBED_AUTH_URL, region: 'RegionOne', credentials: DEMO },
    });
    expect(cloud.status).toBe(201);
    expect((await api('PUT', '/v1/clouds/testbed/grants/ml')).status).toBe(204);
  });

  afterAll(async () => {
    await images?.remove();
    await server?.close();
    await drop?.();
  });

  async function cluster() {
    return (await api('GET', '/v1/projects/ml/clusters/on-os')).body;
  }

  async function settledOperation(id: string) {
    return eventually(
      () => api('GET', `/v1/projects/ml/operations/${id}`),
      (a) => ['Succeeded', 'Failed', 'Cancelled'].includes(a.body.status),
      400_000,
    );
  }

  const condition = (c: { status: { conditions: { type: string }[] } }, type: string) =>
    c.status.conditions.find((x) => x.type === type) as
      { status: string; reason: string; message: string } | undefined;

  /**
   * The API's way in: a TCP listener on 6443, its pool probed by a TCP health monitor, one
   * member per control-plane machine at its port's address; and the control-plane servers
   * spread by an anti-affinity server group.
   */
  async function expectApiPathAndSpread(
    lbId: string,
    machines: { name: string; role: string; providerId: string }[],
  ) {
    const listeners = await clients.octavia.listListeners(lbId);
    expect(listeners).toEqual([expect.objectContaining({ protocol: 'TCP', protocol_port: 6443 })]);
    const [pool, ...others] = await clients.octavia.listPools(lbId);
    expect(others).toEqual([]);
    expect(pool).toMatchObject({ protocol: 'TCP' });
    const monitor = await clients.octavia.getHealthMonitor(pool!.healthmonitor_id!);
    expect(monitor).toMatchObject({ type: 'TCP' });
    const controlPlane = machines.filter((m) => m.role === 'control-plane');
    const members = await clients.octavia.listMembers(pool!.id);
    const addresses = await Promise.all(
      controlPlane.map(async (m) => {
        const [port] = await clients.neutron.list<NeutronPort>('ports', { name: portName(m.name) });
        return port!.fixed_ips[0]!.ip_address;
      }),
    );
    expect(members.map((m) => [m.name, m.address, m.protocol_port])).toEqual(
      controlPlane.map((m, i) => [m.name, addresses[i], 6443]),
    );
    const groups = await clients.nova.listServerGroups();
    const spread = groups.filter((g) => controlPlane.some((m) => g.members.includes(m.providerId)));
    expect(spread).toHaveLength(1);
    expect(spread[0]!.policy ?? (spread[0] as { policies?: string[] }).policies?.[0]).toBe(
      'anti-affinity',
    );
    expect([...spread[0]!.members].sort()).toEqual(controlPlane.map((m) => m.providerId).sort());
  }

  it('creates network, load balancer and servers, and says honestly that no node joined', async () => {
    const created = await api('POST', '/v1/projects/ml/clusters', {
      body: {
        name: 'on-os',
        spec: {
          provider: 'openstack',
          controlPlane: { replicas: 1, flavor: 'm1.small' },
          nodePools: [{ name: 'workers', replicas: 1, flavor: 'm1.small' }],
          openstack: { cloud: 'testbed', image: images.template, floatingIp: true },
        },
      },
    });
    expect(created.status).toBe(202);
    clusterId = created.body.clusterId;
    const op = await settledOperation(created.body.id);
    // The servers are fake: they never run kubeadm, so the API never serves and nodes never join.
    expect(op.body.status).toBe('Failed');
    expect(`${op.body.error.reason}: ${op.body.error.message}`).toMatch(/^NodesNotJoined: /);

    const servers = await clients.nova.listServers({ tags: clusterTag(clusterId) });
    expect(servers.map((s) => s.status)).toEqual(['ACTIVE', 'ACTIVE']);
    // {version} resolved to the image of the cluster's version, 1.37.2.
    const booted = servers.map((s) => (s as { image?: { id?: string } }).image?.id);
    expect(booted).toEqual([images.ids['1.37.2'], images.ids['1.37.2']]);
    const [lb] = await clients.octavia.listLoadBalancers({ tags: clusterTag(clusterId) });
    expect(lb?.provisioning_status).toBe('ACTIVE');
    const c = await cluster();
    expect(condition(c, 'InfrastructureReady')?.status).toBe('True');
    expect(condition(c, 'ControlPlaneReady')?.status).toBe('True');
    expect(condition(c, 'NodePoolsReady')?.status).toBe('True');
    expect(condition(c, 'NodesJoined')).toMatchObject({
      status: 'False',
      reason: 'APIServerUnreachable',
    });
    expect(c.status.endpoint).toMatch(/^203\.0\.113\.\d+:6443$/);
    const machines = (await api('GET', '/v1/projects/ml/clusters/on-os/machines')).body.items;
    expect(machines.map((m: { phase: string }) => m.phase)).toEqual(['Running', 'Running']);
    await expectApiPathAndSpread(lb!.id, machines);
    // The admin kubeconfig points at the floating IP, signed by the cluster CA kaas keeps.
    const kubeconfig = await api('GET', '/v1/projects/ml/clusters/on-os/kubeconfig');
    expect(kubeconfig.status).toBe(200);
    expect(kubeconfig.body.kubeconfig).toContain(`server: https://${c.status.endpoint}`);
  });

  it('refuses at request time a scale the cloud project’s quota cannot hold', async () => {
    const answer = await api('POST', '/v1/projects/ml/clusters/on-os/nodePools/workers/scale', {
      body: { replicas: 60 },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors[0].message).toMatch(/instances quota is exceeded/);
  });

  it('refuses at request time a change to an image made for another Kubernetes minor', async () => {
    const answer = await api('PATCH', '/v1/projects/ml/clusters/on-os?dryRun=true', {
      body: { spec: { openstack: { image: 'ubuntu-22.04-kube-v1.30.4' } } },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([
      {
        field: 'spec.openstack.image',
        message: expect.stringMatching(
          /^image "ubuntu-22\.04-kube-v1\.30\.4" has kube_version v1\.30\.4, but Kubernetes 1\.37\.2 needs an image for 1\.37/,
        ),
      },
    ]);
  });

  it('scales a pool out: servers are added', async () => {
    const out = await api('POST', '/v1/projects/ml/clusters/on-os/nodePools/workers/scale', {
      body: { replicas: 3 },
    });
    expect(out.status).toBe(202);
    await settledOperation(out.body.id);
    const afterOut = await clients.nova.listServers({ tags: clusterTag(clusterId) });
    expect(afterOut.filter((s) => s.status === 'ACTIVE')).toHaveLength(4);
  });

  it('replaces a server an admin put into ERROR, and leaves no trace of it', async () => {
    const servers = await clients.nova.listServers({ tags: clusterTag(clusterId) });
    const machines = (await api('GET', '/v1/projects/ml/clusters/on-os/machines')).body.items as {
      name: string;
      pool?: string;
      phase: string;
    }[];
    const victim = machines.find((m) => m.pool === 'workers')!;
    const server = servers.find((s) => s.name === victim.name)!;
    // What `openstack server set --state error` does: Nova's admin reset-state action.
    await adminClients().session.request('compute', {
      method: 'POST',
      url: `/servers/${server.id}/action`,
      data: { 'os-resetState': { state: 'error' } },
    });
    // 1 of 4 machines unhealthy is under the 40 % short-circuit: the monitor asks for a repair.
    const repair = await eventually(
      async () =>
        (
          (await api('GET', '/v1/projects/ml/operations?cluster=on-os')).body.items as {
            id: string;
            type: string;
            steps: { name: string; description: string }[];
          }[]
        ).find((o) => o.type === 'Repair'),
      (o) => o !== undefined,
      120_000,
    );
    expect(repair!.steps[0]).toMatchObject({ name: `replace/${victim.name}` });
    expect(repair!.steps[0]!.description).toContain('MachineFailed');
    const done = await settledOperation(repair!.id);
    // The new server boots but, being fake, never joins: the same honest ending as the create.
    expect(['Succeeded', 'Failed']).toContain(done.body.status);
    if (done.body.status === 'Failed') expect(done.body.error.reason).toBe('NodesNotJoined');
    await eventually(
      () => clients.nova.listServers({ tags: clusterTag(clusterId) }),
      (now) =>
        now.length === 4 &&
        now.every((s) => s.status === 'ACTIVE') &&
        !now.some((s) => s.id === server.id || s.name === victim.name),
      120_000,
    );
    const after = (await api('GET', '/v1/projects/ml/clusters/on-os/machines')).body.items as {
      name: string;
      pool?: string;
    }[];
    const workers = after.filter((m) => m.pool === 'workers');
    expect(workers).toHaveLength(3);
    expect(workers.map((m) => m.name)).not.toContain(victim.name);
    // The failed server's port went with it: one port per server, none for the victim.
    const ports = await clients.neutron.list('ports', { tags: clusterTag(clusterId) });
    expect(ports.filter((p) => p.name === portName(victim.name))).toEqual([]);
  });

  it('scales a pool in: servers are removed', async () => {
    const inward = await api('POST', '/v1/projects/ml/clusters/on-os/nodePools/workers/scale', {
      body: { replicas: 1 },
    });
    expect(inward.status).toBe(202);
    await settledOperation(inward.body.id);
    await eventually(
      () => clients.nova.listServers({ tags: clusterTag(clusterId) }),
      (servers) => servers.length === 2,
      60_000,
    );
  });

  it('deletes everything it made: no resource of any kind is left tagged for the cluster', async () => {
    const deleted = await api('DELETE', '/v1/projects/ml/clusters/on-os');
    expect(deleted.status).toBe(202);
    const op = await settledOperation(deleted.body.id);
    expect(op.body.status).toBe('Succeeded');
    expect(await listClusterResources(clients, clusterId)).toEqual([]);
    const tag = clusterTag(clusterId);
    for (const collection of [
      'networks',
      'subnets',
      'routers',
      'ports',
      'security-groups',
      'floatingips',
    ] as const) {
      expect(await clients.neutron.list(collection, { tags: tag })).toEqual([]);
    }
    expect(await clients.nova.listServers({ tags: tag })).toEqual([]);
    expect(await clients.octavia.listLoadBalancers({ tags: tag })).toEqual([]);
  });
});
