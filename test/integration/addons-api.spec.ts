import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { httpClient } from '../support/http.js';

/** The add-on catalogue and spec.addons as a client of the HTTP API sees them. */
describe('add-ons API', () => {
  let server: RunningServer;
  let dropDatabase: () => Promise<void>;
  let api: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    server = await startServer(
      'all',
      testConfig({ KAAS_DATABASE_URL: db.url, KAAS_PROVIDERS: 'fake,kwok' }),
    );
    api = httpClient(server.url, ADMIN_TOKEN);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await dropDatabase?.();
  });

  it('lists the catalogue with versions and variants', async () => {
    const answer = await api('GET', '/v1/addons');
    expect(answer.status).toBe(200);
    const byName = Object.fromEntries(answer.body.items.map((a: any) => [a.name, a]));
    expect(Object.keys(byName)).toEqual(['load-balancer', 'gpu-operator', 'ingress-v2', 'mltask']);
    expect(byName['load-balancer']).toMatchObject({
      availability: 'available',
      defaultEnabled: 'always',
      defaultVersion: '1.1.0',
    });
    const variants = byName['load-balancer'].versions[1].variants;
    expect(variants.map((v: any) => [v.providers, v.component, v.componentVersion])).toEqual([
      [['kwok'], 'metallb', 'v0.16.1'],
      [['kind'], 'metallb', 'v0.16.1'],
      [['openstack'], 'openstack-cloud-controller-manager', 'v1.36.0'],
    ]);
    expect(variants[0].artefacts[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(byName['ingress-v2']).toMatchObject({
      availability: 'available',
      defaultEnabled: 'always',
      defaultVersion: '0.1.0',
    });
    expect(byName['ingress-v2'].versions[0].variants[0]).toMatchObject({
      providers: ['openstack'],
      component: 'ingress-v2',
    });
    expect(byName.mltask).toMatchObject({
      availability: 'available',
      defaultEnabled: 'gpu-pools',
      defaultVersion: '0.1.0',
    });
    expect(byName.mltask.versions[0].variants[0].artefacts[0]).toMatchObject({
      file: 'crd.yaml',
      bundled: 'deploy/mltask/crd.yaml',
    });
  });

  it('answers one add-on, 404 for an unknown one, 401 without a token', async () => {
    expect((await api('GET', '/v1/addons/gpu-operator')).body.defaultEnabled).toBe('gpu-pools');
    const missing = await api('GET', '/v1/addons/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ type: expect.stringContaining('not-found') });
    expect((await api('GET', '/v1/addons', { token: null })).status).toBe(401);
  });

  const create = (name: string, spec: object, query = '') =>
    api('POST', `/v1/projects/default/clusters${query}`, { body: { name, spec } });

  it('refuses Ingress v2 where there is no Octavia, with 422 naming the field', async () => {
    const answer = await create('no-octavia', {
      provider: 'kwok',
      addons: { 'ingress-v2': { enabled: true } },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([
      {
        field: 'spec.addons.ingress-v2',
        message: 'ingress-v2 0.1.0 has no variant for the kwok provider',
      },
    ]);
  });

  it('refuses add-ons a provider has no variant for, and bad configuration', async () => {
    const fake = await create('fake-lb', {
      provider: 'fake',
      addons: { 'load-balancer': { enabled: true } },
    });
    expect(fake.status).toBe(422);
    expect(fake.body.errors[0].field).toBe('spec.addons.load-balancer');
    const config = await create('bad-config', {
      provider: 'kwok',
      addons: { 'load-balancer': { config: { addresses: [] } } },
    });
    expect(config.status).toBe(422);
    expect(config.body.errors[0].field).toBe('spec.addons.load-balancer.config.addresses');
    const shape = await create('bad-shape', {
      provider: 'kwok',
      addons: { 'load-balancer': { colour: 'blue' } },
    });
    expect(shape.status).toBe(400);
  });

  it('pins default add-on versions into the spec and plans an add-ons step', async () => {
    const plan = await create(
      'planned-gpu',
      { provider: 'kwok', nodePools: [{ name: 'gpu', replicas: 1, gpu: { count: 1 } }] },
      '?dryRun=true',
    );
    expect(plan.status).toBe(200);
    expect(plan.body.spec.addons).toEqual({
      'load-balancer': { version: '1.1.0' },
      'gpu-operator': { version: '26.7.0' },
      mltask: { version: '0.1.0' },
    });
    expect(plan.body.steps.at(-1)).toMatchObject({
      name: 'addons',
      description:
        'Install or upgrade add-ons (load-balancer 1.1.0, gpu-operator 26.7.0, mltask 0.1.0) and remove any no longer wanted',
    });
    expect(plan.body.spec.nodePools[0].taints).toEqual([
      { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
    ]);
  });
});
