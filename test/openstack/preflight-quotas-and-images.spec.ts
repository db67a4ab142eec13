import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { startServer, type RunningServer } from '../../src/server.js';
import { KeystoneSession } from '../../src/providers/openstack/keystone.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { httpClient } from '../support/http.js';
import {
  ADMIN,
  deleteImage,
  demoConnection,
  DEMO,
  ensureMemberProject,
  NETWORK_QUOTA_USER,
  registerImage,
  registerVersionImages,
  requireTestbed,
  TESTBED_AUTH_URL,
} from '../support/openstack.js';

type Detail = { limit: number; used: number; reserved: number };

describe('preflight of Neutron and Octavia quotas and of each version’s image, against the testbed', () => {
  let server: RunningServer;
  let drop: () => Promise<void>;
  let api: ReturnType<typeof httpClient>;
  let images: Awaited<ReturnType<typeof registerVersionImages>>;
  let projectId = '';
  const admin = new KeystoneSession(demoConnection(ADMIN));
  const spec = (openstack: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    provider: 'openstack',
    controlPlane: { replicas: 1, flavor: 'm1.small' },
    nodePools: [{ name: 'workers', replicas: 2, flavor: 'm1.small' }],
    openstack: { cloud: 'testbed', image: images.template, ...openstack },
    ...extra,
  });
  const messages = (body: { errors: { message: string }[] }) => body.errors.map((e) => e.message);

  beforeAll(async () => {
    await requireTestbed();
    projectId = await ensureMemberProject(NETWORK_QUOTA_USER);
    images = await registerVersionImages();
    const db = await createTestDatabase();
    drop = db.drop;
    server = await startServer(
      'api',
      testConfig({
        KAAS_DATABASE_URL: db.url,
        KAAS_PROVIDERS: 'fake,openstack',
        KAAS_KEK: `test-1:${randomBytes(32).toString('base64')}`,
      }),
    );
    api = httpClient(server.url, ADMIN_TOKEN);
    expect((await api('POST', '/v1/projects', { body: { name: 'ml' } })).status).toBe(201);
    for (const [name, credentials] of [
      ['testbed', DEMO],
      ['netquota', NETWORK_QUOTA_USER],
    ] as const) {
      const cloud = await api('POST', '/v1/clouds', {
        body: { name, authUrl: TESTBED_AUTH_URL, credentials },
      });
      expect(cloud.status).toBe(201);
      expect((await api('PUT', `/v1/clouds/${name}/grants/ml`)).status).toBe(204);
    }
  });

  afterAll(async () => {
    await images?.remove();
    await server?.close();
    await drop?.();
  });

  it('answers 422 naming each Neutron and Octavia quota a new cluster would exceed', async () => {
    const wanted = spec({ cloud: 'netquota', floatingIp: true });
    // The project's defaults hold the cluster: what is refused below is the lowered quotas.
    const before = await api('POST', '/v1/projects/ml/clusters?dryRun=true', {
      body: { name: 'tight', spec: wanted },
    });
    expect(before.status).toBe(200);

    const details = (
      await admin.request<{ quota: Record<string, Detail> }>('network', {
        method: 'GET',
        url: `/v2.0/quotas/${projectId}/details`,
      })
    ).data.quota;
    const lbQuota = (
      await admin.request<{ quota: Record<string, number> }>('load-balancer', {
        method: 'GET',
        url: `/v2/lbaas/quotas/${projectId}`,
      })
    ).data.quota;
    const used = (name: string) => details[name]!.used + details[name]!.reserved;
    try {
      // Three machines, the router's interface and the load balancer's VIP: 5 ports.
      await admin.request('network', {
        method: 'PUT',
        url: `/v2.0/quotas/${projectId}`,
        data: { quota: { port: used('port') + 4, floatingip: used('floatingip') } },
      });
      await admin.request('load-balancer', {
        method: 'PUT',
        url: `/v2/lbaas/quotas/${projectId}`,
        data: { quota: { load_balancer: 0, member: 0 } },
      });
      const answer = await api('POST', '/v1/projects/ml/clusters', {
        body: { name: 'tight', spec: wanted },
      });
      expect(answer.status).toBe(422);
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toEqual([
        'spec',
        'spec',
        'spec',
        'spec',
      ]);
      expect(messages(answer.body)).toEqual([
        `the cloud project's Neutron ports quota is exceeded: ${used('port')} used of ${used('port') + 4}, this needs 5 more`,
        `the cloud project's Neutron floating IPs quota is exceeded: ${used('floatingip')} used of ${used('floatingip')}, this needs 1 more`,
        "the cloud project's Octavia load balancers quota is exceeded: 0 used of 0, this needs 1 more",
        "the cloud project's Octavia members quota is exceeded: 0 used of 0, this needs 1 more",
      ]);
      expect((await api('GET', '/v1/projects/ml/clusters')).body.items).toEqual([]);
    } finally {
      await admin.request('network', {
        method: 'PUT',
        url: `/v2.0/quotas/${projectId}`,
        data: {
          quota: { port: details.port!.limit, floatingip: details.floatingip!.limit },
        },
      });
      await admin.request('load-balancer', {
        method: 'PUT',
        url: `/v2/lbaas/quotas/${projectId}`,
        data: {
          quota: {
            load_balancer: lbQuota.load_balancer ?? -1,
            member: lbQuota.member ?? -1,
          },
        },
      });
    }
    const after = await api('POST', '/v1/projects/ml/clusters?dryRun=true', {
      body: { name: 'tight', spec: wanted },
    });
    expect(after.status).toBe(200);
  });

  it('accepts {version} in the image when every version the spec runs has its image', async () => {
    const answer = await api('POST', '/v1/projects/ml/clusters?dryRun=true', {
      body: {
        name: 'versions',
        spec: spec(
          {},
          {
            kubernetesVersion: '1.37',
            nodePools: [
              { name: 'old', replicas: 1, flavor: 'm1.small', version: '1.36' },
              { name: 'new', replicas: 1, flavor: 'm1.small' },
            ],
          },
        ),
      },
    });
    expect(answer.status).toBe(200);
  });

  it('answers 422 for an image tagged with another Kubernetes minor, naming it, its kube_version and the version', async () => {
    const answer = await api('POST', '/v1/projects/ml/clusters', {
      body: { name: 'old-image', spec: spec({ image: 'ubuntu-22.04-kube-v1.30.4' }) },
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

  it('checks the image of each pool’s version, and a kube_version without the v', async () => {
    const name = `kaas-${randomBytes(4).toString('hex')}-kube-1.37`;
    const id = await registerImage(name, { kube_version: '1.37.2' });
    try {
      const answer = await api('POST', '/v1/projects/ml/clusters?dryRun=true', {
        body: {
          name: 'pinned',
          spec: spec(
            { image: name },
            {
              kubernetesVersion: '1.37',
              nodePools: [{ name: 'old', replicas: 1, flavor: 'm1.small', version: '1.36' }],
            },
          ),
        },
      });
      expect(answer.status).toBe(422);
      expect(messages(answer.body)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^image "${name}" has kube_version 1\\.37\\.2, but Kubernetes 1\\.36\\.3 needs an image for 1\\.36`,
          ),
        ),
      ]);
    } finally {
      await deleteImage(id);
    }
  });

  it('answers 422 naming the image {version} resolves to when there is none', async () => {
    const answer = await api('POST', '/v1/projects/ml/clusters?dryRun=true', {
      body: { name: 'missing', spec: spec({ image: 'kaas-no-such-kube-v{version}' }) },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([
      {
        field: 'spec.openstack.image',
        message:
          'no active image "kaas-no-such-kube-v1.37.2" is visible to the cloud\'s project (spec.openstack.image "kaas-no-such-kube-v{version}" for Kubernetes 1.37.2)',
      },
    ]);
  });
});
