import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { httpClient } from '../support/http.js';
import {
  DEMO,
  ensureQuotaProject,
  QUOTA_USER,
  registerVersionImages,
  requireTestbed,
  TESTBED_AUTH_URL,
} from '../support/openstack.js';

describe('clouds and preflight, against the testbed', () => {
  let server: RunningServer;
  let drop: () => Promise<void>;
  let dbUrl = '';
  let api: ReturnType<typeof httpClient>;
  let images: Awaited<ReturnType<typeof registerVersionImages>>;
  const spec = (openstack: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    provider: 'openstack',
    controlPlane: { replicas: 1, flavor: 'm1.small' },
    nodePools: [{ name: 'workers', replicas: 2, flavor: 'm1.large' }],
    openstack: { cloud: 'testbed', image: images.template, ...openstack },
    ...extra,
  });

  beforeAll(async () => {
    await requireTestbed();
    await ensureQuotaProject();
    images = await registerVersionImages();
    const db = await createTestDatabase();
    drop = db.drop;
    dbUrl = db.url;
    server = await startServer(
      'api',
      testConfig({
        KAAS_DATABASE_URL: db.url,
        KAAS_PROVIDERS: 'fake,openstack',
        KAAS_KEK: `test-1:${randomBytes(32).toString('base64')}`,
      }),
    );
    api = httpClient(server.url, ADMIN_TOKEN);
    await api('POST', '/v1/projects', { body: { name: 'ml' } });
    await api('POST', '/v1/projects', { body: { name: 'other' } });
  });

  afterAll(async () => {
    await images?.remove();
    await server?.close();
    await drop?.();
  });

  it('refuses credentials Keystone refuses, with 422 naming them', async () => {
    const answer = await api('POST', '/v1/clouds', {
      body: {
        name: 'testbed',
        authUrl: TESTBED_AUTH_URL,
        credentials: { ...DEMO, password: 'wrong' },
      },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors[0]).toMatchObject({ field: 'credentials' });
    expect(answer.body.errors[0].message).toMatch(/refused the credentials/);
    expect(JSON.stringify(answer.body)).not.toContain('wrong');
  });

  it('registers a cloud, keeps its credentials encrypted and never returns them', async () => {
    const created = await api('POST', '/v1/clouds', {
      body: { name: 'testbed', authUrl: TESTBED_AUTH_URL, credentials: DEMO },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'testbed',
      region: 'RegionOne',
      interface: 'public',
      credentialType: 'password',
      hasCaBundle: false,
    });
    const shown = [created, await api('GET', '/v1/clouds'), await api('GET', '/v1/clouds/testbed')];
    for (const answer of shown) expect(JSON.stringify(answer.body)).not.toContain(DEMO.password);

    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    const { rows } = await client.query('select credentials from openstack_clouds');
    await client.end();
    expect(rows[0].credentials).not.toContain(DEMO.password);
    expect(JSON.parse(rows[0].credentials)).toMatchObject({ v: 1, alg: 'A256GCM', kid: 'test-1' });

    expect(
      (
        await api('POST', '/v1/clouds', {
          body: { name: 'testbed', authUrl: TESTBED_AUTH_URL, credentials: DEMO },
        })
      ).status,
    ).toBe(409);
  });

  it('lets only projects it is granted to build on a cloud', async () => {
    const refused = await api('POST', '/v1/projects/ml/clusters?dryRun=true', {
      body: { name: 'c1', spec: spec({}) },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        field: 'spec.openstack.cloud',
        message: expect.stringMatching(/not granted|no cloud/),
      }),
    ]);
    expect((await api('PUT', '/v1/clouds/testbed/grants/ml')).status).toBe(204);
    expect(
      (await api('GET', '/v1/projects/ml/clouds')).body.items.map((c: { name: string }) => c.name),
    ).toEqual(['testbed']);
    expect((await api('GET', '/v1/projects/other/clouds')).body.items).toEqual([]);
    expect((await api('GET', '/v1/clouds/testbed')).body.grantedProjects).toEqual(['ml']);
    const accepted = await api('POST', '/v1/projects/ml/clusters?dryRun=true', {
      body: { name: 'c1', spec: spec({}) },
    });
    expect(accepted.status).toBe(200);
  });

  it('answers 422 at request time for an unknown flavor, image or external network', async () => {
    const answer = await api('POST', '/v1/projects/ml/clusters', {
      body: {
        name: 'c2',
        spec: spec(
          { image: 'no-such-image', externalNetwork: 'no-such-net' },
          { controlPlane: { replicas: 1, flavor: 'm1.tiny' } },
        ),
      },
    });
    expect(answer.status).toBe(422);
    const fields = answer.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual([
      'spec.controlPlane.flavor',
      'spec.openstack.image',
      'spec.openstack.externalNetwork',
    ]);
    expect(answer.body.errors[0].message).toMatch(/no flavor "m1.tiny"; available: .*m1.small/);
    expect((await api('GET', '/v1/projects/ml/clusters')).body.items).toEqual([]);
  });

  it('answers 422 when the cloud project’s quota cannot hold the machines', async () => {
    const cloud = await api('POST', '/v1/clouds', {
      body: { name: 'tight', authUrl: TESTBED_AUTH_URL, credentials: QUOTA_USER },
    });
    expect(cloud.status).toBe(201);
    await api('PUT', '/v1/clouds/tight/grants/ml');
    const answer = await api('POST', '/v1/projects/ml/clusters', {
      body: { name: 'c3', spec: spec({ cloud: 'tight' }) },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors[0].message).toMatch(
      /instances quota is exceeded: 0 used of 0, this needs 3 more/,
    );
  });

  it('refuses spec.openstack on another provider and a change of cloud', async () => {
    const answer = await api('POST', '/v1/projects/ml/clusters?dryRun=true', {
      body: { name: 'c4', spec: { provider: 'fake', openstack: { cloud: 'testbed', image: 'x' } } },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors[0]).toMatchObject({ field: 'spec.openstack' });
  });

  it('removes a cloud no cluster uses, and its grants with it', async () => {
    expect((await api('DELETE', '/v1/clouds/tight')).status).toBe(204);
    expect((await api('GET', '/v1/clouds/tight')).status).toBe(404);
    expect((await api('DELETE', '/v1/clouds/testbed/grants/ml')).status).toBe(204);
    expect((await api('GET', '/v1/projects/ml/clouds')).body.items).toEqual([]);
  });
});
