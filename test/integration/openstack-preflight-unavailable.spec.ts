import { describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BootstrapMaterial } from '../../src/providers/openstack/bootstrap-material.js';
import type { CloudDirectory } from '../../src/providers/openstack/cloud-directory.js';
import { OpenStackProvider } from '../../src/providers/openstack/openstack.provider.js';
import { clusterSpec } from '../support/factories.js';
import { DEMO } from '../support/openstack.js';

/** A Keystone that answers every sign-in with the given status. */
async function keystoneAnswering(status: number): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(status).end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`, server };
}

function providerFor(authUrl: string): OpenStackProvider {
  const cloud = {
    id: 'c1',
    name: 'flaky',
    revision: 'r1',
    connection: { authUrl, region: 'RegionOne', interface: 'public' as const, credentials: DEMO },
  };
  const clouds: CloudDirectory = {
    find: async () => cloud,
    list: async () => [cloud],
    isGranted: async () => true,
  };
  return new OpenStackProvider({
    clouds,
    bootstrap: {} as BootstrapMaterial,
    session: { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } },
  });
}

const spec = clusterSpec({
  provider: 'openstack',
  openstack: { cloud: 'flaky', image: 'ubuntu-22.04-kube-v1.30.4' },
});

describe('preflight of an OpenStack cluster when the cloud does not answer', () => {
  it('accepts the request: an outage is not a fault of the spec, the reconcile checks again', async () => {
    const keystone = await keystoneAnswering(502);
    try {
      expect(await providerFor(keystone.url).preflight(spec, { projectId: 'p1' })).toEqual([]);
    } finally {
      keystone.server.close();
    }
  });

  it('still refuses credentials the cloud rejects', async () => {
    const keystone = await keystoneAnswering(401);
    try {
      const problems = await providerFor(keystone.url).preflight(spec, { projectId: 'p1' });
      expect(problems).toEqual([
        {
          field: 'spec.openstack.cloud',
          message: expect.stringMatching(/refused the credentials/),
        },
      ]);
    } finally {
      keystone.server.close();
    }
  });
});

/**
 * A whole small cloud on one port: Keystone with a catalog, and just enough Nova, Glance,
 * Neutron and Octavia for preflight. `quotas` says how the Neutron and Octavia quota APIs
 * answer: a status without a body, or a body.
 */
async function cloudAnswering(quotas: {
  neutron: number | Record<string, { limit: number; used: number; reserved: number }>;
  octavia: number | Record<string, number>;
}): Promise<{ url: string; server: Server }> {
  const json = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) =>
    res
      .writeHead(200, { 'Content-Type': 'application/json', ...headers })
      .end(JSON.stringify(body));
  const answer = (res: ServerResponse, quota: number | object) =>
    typeof quota === 'number' ? res.writeHead(quota).end('{}') : json(res, { quota });
  let base = '';
  const routes: [RegExp, (res: ServerResponse) => void][] = [
    [
      /^\/v3\/auth\/tokens$/,
      (res) =>
        json(
          res,
          {
            token: {
              expires_at: new Date(Date.now() + 3_600_000).toISOString(),
              project: { id: 'p1' },
              user: { id: 'u1' },
              catalog: ['compute', 'image', 'network', 'load-balancer'].map((type) => ({
                type,
                endpoints: [
                  { interface: 'public', region_id: 'RegionOne', url: `${base}/${type}` },
                ],
              })),
            },
          },
          { 'X-Subject-Token': 'token' },
        ),
    ],
    [
      /^\/compute\/flavors\/detail$/,
      (res) =>
        json(res, { flavors: [{ id: 'f1', name: 'm1.small', vcpus: 2, ram: 4096, disk: 20 }] }),
    ],
    [
      /^\/compute\/limits$/,
      (res) =>
        json(res, {
          limits: {
            absolute: {
              maxTotalInstances: -1,
              totalInstancesUsed: 0,
              maxTotalCores: -1,
              totalCoresUsed: 0,
              maxTotalRAMSize: -1,
              totalRAMUsed: 0,
            },
          },
        }),
    ],
    [
      /^\/image\/v2\/images$/,
      (res) => json(res, { images: [{ id: 'i1', name: 'ubuntu-22.04-kube', status: 'active' }] }),
    ],
    [
      /^\/network\/v2\.0\/networks$/,
      (res) => json(res, { networks: [{ id: 'n1', name: 'public' }] }),
    ],
    [/^\/network\/v2\.0\/quotas\/p1\/details$/, (res) => answer(res, quotas.neutron)],
    [/^\/load-balancer\/v2\/lbaas\/quotas\/p1$/, (res) => answer(res, quotas.octavia)],
    [
      /^\/load-balancer\/v2\/lbaas\/loadbalancers$/,
      (res) => json(res, { loadbalancers: [{ id: 'lb' }] }),
    ],
  ];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://cloud').pathname;
    const route = routes.find(([pattern]) => pattern.test(path));
    if (route) route[1](res);
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `${base}/v3`, server };
}

const smallSpec = clusterSpec({
  provider: 'openstack',
  controlPlane: { replicas: 1, flavor: 'm1.small' },
  nodePools: [{ name: 'workers', replicas: 2, flavor: 'm1.small' }],
  openstack: { cloud: 'flaky', image: 'ubuntu-22.04-kube' },
});

const roomy = {
  neutron: Object.fromEntries(
    [
      'network',
      'subnet',
      'router',
      'port',
      'floatingip',
      'security_group',
      'security_group_rule',
    ].map((name) => [name, { limit: 100, used: 0, reserved: 0 }]),
  ),
  octavia: { load_balancer: -1, listener: -1, pool: -1, health_monitor: -1, member: -1 },
};

describe('preflight of the Neutron and Octavia quotas, offered or not', () => {
  const preflight = async (quotas: Parameters<typeof cloudAnswering>[0]) => {
    const cloud = await cloudAnswering(quotas);
    try {
      return await providerFor(cloud.url).preflight(smallSpec, { projectId: 'p1' });
    } finally {
      cloud.server.close();
    }
  };

  it('checks them when they answer', async () => {
    expect(await preflight(roomy)).toEqual([]);
    expect(
      await preflight({
        // Three machines, the router's interface and the VIP fill the ports exactly.
        neutron: { ...roomy.neutron, port: { limit: 10, used: 4, reserved: 1 } },
        octavia: { ...roomy.octavia, load_balancer: 2 },
      }),
    ).toEqual([]);
    expect(
      await preflight({
        neutron: { ...roomy.neutron, port: { limit: 10, used: 4, reserved: 2 } },
        // An older Octavia's name for the load-balancer quota.
        octavia: { listener: -1, pool: -1, health_monitor: -1, member: -1, loadbalancer: 1 },
      }),
    ).toEqual([
      {
        field: 'spec',
        message:
          "the cloud project's Neutron ports quota is exceeded: 6 used of 10, this needs 5 more",
      },
      {
        field: 'spec',
        message:
          "the cloud project's Octavia load balancers quota is exceeded: 1 used of 1, this needs 1 more",
      },
    ]);
  });

  it('leaves unchecked a quota API the cloud does not offer (404, 501)', async () => {
    expect(await preflight({ neutron: 404, octavia: 501 })).toEqual([]);
    expect(await preflight({ neutron: 501, octavia: 404 })).toEqual([]);
  });

  it('accepts, as for a cloud that does not answer, when a quota API fails', async () => {
    expect(await preflight({ neutron: roomy.neutron, octavia: 503 })).toEqual([]);
    expect(await preflight({ neutron: 502, octavia: roomy.octavia })).toEqual([]);
  });
});
