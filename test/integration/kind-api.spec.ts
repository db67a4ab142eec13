import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server.js';
import { startStandin, type Standin } from '../support/cli-standin.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { httpClient } from '../support/http.js';
import { createTestDatabase } from '../support/postgres.js';

const CA = '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n';

/** The API with the kind provider enabled and the kind/docker stand-in as its binaries. */
describe('kind through the API', () => {
  let server: RunningServer;
  let dropDatabase: () => Promise<void>;
  let standin: Standin;
  let admin: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    standin = startStandin({ caPem: CA });
    server = await startServer(
      'api',
      testConfig({
        KAAS_DATABASE_URL: db.url,
        KAAS_PROVIDERS: 'fake,kind',
        KAAS_KIND_BINARY: join(standin.dir, 'bin', 'kind'),
        KAAS_DOCKER_BINARY: join(standin.dir, 'bin', 'docker'),
        KAAS_KIND_WORKDIR: join(standin.dir, 'work'),
        // No KAAS_KIND_NODE_IMAGES: the shipped catalogue alone.
      }),
    );
    admin = httpClient(server.url, ADMIN_TOKEN);
    await admin('POST', '/v1/projects', { body: { name: 'laptop' } });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await dropDatabase?.();
    standin?.cleanup();
  });

  const post = (name: string, spec: Record<string, unknown>) =>
    admin('POST', '/v1/projects/laptop/clusters', {
      body: { name, spec: { provider: 'kind', ...spec } },
    });

  it('rejects cluster and pool names that carry shell syntax before any command runs', async () => {
    standin.clearCalls();
    const cases: [string, Record<string, unknown>, string][] = [
      ['dev;rm -rf /', {}, 'name'],
      ['$(reboot)', {}, 'name'],
      ['`id`', {}, 'name'],
      ['dev && docker rm -f x', {}, 'name'],
      ['-dev', {}, 'name'],
      ['dev', { nodePools: [{ name: 'web$(id)', replicas: 1 }] }, 'spec.nodePools[0].name'],
      ['dev', { nodePools: [{ name: 'web|tee', replicas: 1 }] }, 'spec.nodePools[0].name'],
      ['dev', { nodePools: [{ name: '--privileged', replicas: 1 }] }, 'spec.nodePools[0].name'],
    ];
    for (const [name, spec, field] of cases) {
      const answer = await post(name, spec);
      expect({
        name,
        status: answer.status,
        fields: answer.body.errors.map((e: { field: string }) => e.field),
      }).toEqual({
        name,
        status: 400,
        fields: expect.arrayContaining([field]),
      });
    }
    expect(standin.calls()).toEqual([]);
  });

  it('gives a kind cluster without a version, or asking a minor, the patch kind published', async () => {
    const omitted = await post('no-version', { nodePools: [{ name: 'web', replicas: 1 }] });
    expect(omitted.status).toBe(202);
    const minor = await post('minor', {
      kubernetesVersion: '1.37',
      nodePools: [{ name: 'old', replicas: 1, version: '1.36' }],
    });
    expect(minor.status).toBe(202);
    for (const name of ['no-version', 'minor']) {
      const cluster = await admin('GET', `/v1/projects/laptop/clusters/${name}`);
      expect(cluster.body.spec.kubernetesVersion).toBe('1.37.0');
    }
    const pool = await admin('GET', '/v1/projects/laptop/clusters/minor');
    expect(pool.body.spec.nodePools[0].version).toBe('1.36.1');
  });

  it('refuses a version kind published no image for, naming the versions kind clusters run', async () => {
    const answer = await post('unpinned', { kubernetesVersion: '1.37.2' });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([
      {
        field: 'spec.kubernetesVersion',
        message:
          'Kubernetes 1.37.2 is not supported by the kind provider; supported: 1.36.1, 1.37.0',
      },
    ]);
    const pool = await post('unpinned-pool', {
      nodePools: [{ name: 'web', replicas: 1, version: '1.36.3' }],
    });
    expect(pool.status).toBe(422);
    expect(pool.body.errors).toEqual([
      {
        field: 'spec.nodePools[0].version',
        message:
          'Kubernetes 1.36.3 is not supported by the kind provider; supported: 1.36.1, 1.37.0',
      },
    ]);
  });

  it('still resolves 1.37 to 1.37.2 for the fake provider', async () => {
    for (const [name, spec] of [
      ['fake-minor', { kubernetesVersion: '1.37' }],
      ['fake-default', {}],
    ] as const) {
      const answer = await admin('POST', '/v1/projects/laptop/clusters', {
        body: { name, spec: { provider: 'fake', ...spec } },
      });
      expect(answer.status).toBe(202);
      const cluster = await admin('GET', `/v1/projects/laptop/clusters/${name}`);
      expect(cluster.body.spec.kubernetesVersion).toBe('1.37.2');
    }
  });

  it("shows kind's own versions and default in serverConfig", async () => {
    const answer = await admin('GET', '/v1/serverConfig');
    expect(answer.status).toBe(200);
    const byProvider = Object.fromEntries(
      answer.body.versionsByProvider.map((p: { provider: string }) => [p.provider, p]),
    );
    expect(byProvider.kind).toEqual({
      provider: 'kind',
      defaultVersion: '1.37.0',
      versions: [
        {
          version: '1.36.1',
          available: true,
          artefact:
            'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5',
        },
        {
          version: '1.37.0',
          available: true,
          artefact:
            'kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5',
        },
      ],
    });
    expect(byProvider.fake.defaultVersion).toBe('1.37.2');
    expect(answer.body.defaultKubernetesVersion).toBe('1.37.2');
  });

  it('accepts a pinned version, then refuses a control-plane upgrade with 422', async () => {
    const created = await post('pinned', {
      kubernetesVersion: '1.36',
      nodePools: [{ name: 'web', replicas: 1 }],
    });
    expect(created.status).toBe(202);
    const upgrade = await admin('PATCH', '/v1/projects/laptop/clusters/pinned', {
      body: { spec: { kubernetesVersion: '1.37' } },
    });
    expect(upgrade.status).toBe(422);
    expect(
      upgrade.body.errors.map((e: { field: string; message: string }) => [e.field, e.message]),
    ).toEqual(
      expect.arrayContaining([
        [
          'spec.kubernetesVersion',
          expect.stringContaining(
            'kind can neither upgrade its control-plane containers in place nor replace them, so the control plane stays on 1.36.1',
          ),
        ],
      ]),
    );
  });
});
