import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server.js';
import { startStandin, type Standin } from '../support/cli-standin.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { httpClient } from '../support/http.js';
import { TEST_DIGEST_1_36 } from '../support/kind.js';
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
        // Only 1.36.3 is pinned: 1.37.2 keeps the catalogue's entry without a digest.
        KAAS_KIND_NODE_IMAGES: `kindest/node:v1.36.3@${TEST_DIGEST_1_36}`,
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

  it('refuses a version without a pinned kindest/node digest with a 422 that says how to pin one', async () => {
    const answer = await post('unpinned', { kubernetesVersion: '1.37.2' });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([
      {
        field: 'spec.kubernetesVersion',
        message:
          "no kindest/node image pinned by digest is known for Kubernetes 1.37.2 (no kind release notes listing kindest/node:v1.37.2 were found); set KAAS_KIND_NODE_IMAGES=kindest/node:v1.37.2@sha256:<digest from kind's release notes>",
      },
    ]);
  });

  it('accepts a pinned version, then refuses a control-plane upgrade with 422', async () => {
    const created = await post('pinned', {
      kubernetesVersion: '1.36.3',
      nodePools: [{ name: 'web', replicas: 1 }],
    });
    expect(created.status).toBe(202);
    const upgrade = await admin('PATCH', '/v1/projects/laptop/clusters/pinned', {
      body: { spec: { kubernetesVersion: '1.37.2' } },
    });
    expect(upgrade.status).toBe(422);
    expect(
      upgrade.body.errors.map((e: { field: string; message: string }) => [e.field, e.message]),
    ).toEqual(
      expect.arrayContaining([
        [
          'spec.kubernetesVersion',
          expect.stringContaining(
            'kind can neither upgrade its control-plane containers in place nor replace them',
          ),
        ],
      ]),
    );
  });
});
