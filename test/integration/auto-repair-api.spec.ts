import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type RunningServer } from '../../src/server.js';
import { ClusterHealthRepository } from '../../src/persistence/cluster-health.repository.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { eventually, httpClient } from '../support/http.js';

/** The auto-repair policy and the short-circuit condition as an API client sees them, on PostgreSQL. */
describe('auto-repair in the API', () => {
  let server: RunningServer;
  let dropDatabase: () => Promise<void>;
  const api = () => httpClient(server.url, ADMIN_TOKEN);
  const conditionTypes = (cluster: { status: { conditions: { type: string }[] } }) =>
    cluster.status.conditions.map((c) => c.type);

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    server = await startServer('api', testConfig({ KAAS_DATABASE_URL: db.url }));
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await dropDatabase?.();
  });

  it('answers 422 naming the field for a policy out of range', async () => {
    const answer = await api()('POST', '/v1/projects/default/clusters', {
      body: {
        name: 'bad',
        spec: {
          provider: 'fake',
          autoRepair: { maxUnhealthyPercent: 140 },
          nodePools: [{ name: 'w', replicas: 1, autoRepair: { notReadyTimeoutSeconds: 0 } }],
        },
      },
    });
    expect(answer.status).toBe(422);
    const fields = answer.body.errors.map((e: { field: string }) => e.field) as string[];
    expect(fields.sort()).toEqual([
      'spec.autoRepair.maxUnhealthyPercent',
      'spec.nodePools[0].autoRepair.notReadyTimeoutSeconds',
    ]);
  });

  it('fills the policy defaults and shows the short-circuit as a condition while it lasts', async () => {
    const created = await api()('POST', '/v1/projects/default/clusters', {
      body: {
        name: 'health',
        spec: { provider: 'fake', autoRepair: { notReadyTimeoutSeconds: 120 } },
      },
    });
    expect(created.status).toBe(202);
    const id = created.body.clusterId as string;
    const cluster = await api()('GET', '/v1/projects/default/clusters/health');
    expect(cluster.body.spec.autoRepair).toEqual({
      enabled: true,
      notReadyTimeoutSeconds: 120,
      startupTimeoutSeconds: 600,
      maxUnhealthyPercent: 40,
      maxRepairsPerWindow: 3,
      windowSeconds: 600,
      backoffSeconds: 60,
    });
    expect(conditionTypes(cluster.body)).not.toContain('RemediationAllowed');

    const health = new ClusterHealthRepository(server.database.db);
    const since = '2026-11-29T12:00:00.000Z';
    await health.saveShortCircuit(id, { unhealthy: 3, total: 5, maxUnhealthyPercent: 40, since });
    const shown = await eventually(
      () => api()('GET', '/v1/projects/default/clusters/health'),
      (a) => conditionTypes(a.body).includes('RemediationAllowed'),
      5_000,
    );
    expect(shown.body.status.conditions).toContainEqual({
      type: 'RemediationAllowed',
      status: 'False',
      reason: 'TooManyUnhealthy',
      message:
        '3 of 5 machines are unhealthy or not Ready, more than the 40% auto-repair allows: ' +
        'no machine is repaired automatically until fewer are unhealthy',
      lastTransitionTime: since,
      observedGeneration: 1,
    });
    const listed = await api()('GET', '/v1/projects/default/clusters');
    const inList = listed.body.items.find((c: { id: string }) => c.id === id);
    expect(conditionTypes(inList)).toContain('RemediationAllowed');

    await health.saveShortCircuit(id, null);
    await eventually(
      () => api()('GET', '/v1/projects/default/clusters/health'),
      (a) => !conditionTypes(a.body).includes('RemediationAllowed'),
      5_000,
    );
  });
});
