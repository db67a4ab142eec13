import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { httpClient } from '../support/http.js';

/** Many identical requests at once, as a retrying client or a double-clicking user sends them. */
describe('concurrent creates', () => {
  let server: RunningServer;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    server = await startServer(
      'all',
      testConfig({ KAAS_DATABASE_URL: db.url, KAAS_DATABASE_POOL_SIZE: '20' }),
    );
  });

  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  const body = (name: string) => ({
    name,
    spec: { provider: 'fake', nodePools: [{ name: 'w', replicas: 1 }] },
  });

  it('answers 200 identical creates with one Idempotency-Key with one cluster and one answer', async () => {
    const http = httpClient(server.url, ADMIN_TOKEN);
    const answers = await Promise.all(
      Array.from({ length: 200 }, () =>
        http('POST', '/v1/projects/default/clusters', {
          body: body('twins'),
          headers: { 'idempotency-key': 'same-key' },
        }),
      ),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([202]));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const clusters = await http('GET', '/v1/projects/default/clusters?limit=500');
    expect(clusters.body.items.filter((c: { name: string }) => c.name === 'twins')).toHaveLength(1);
  });

  it('creates a name once when 200 requests without a key race for it; the others get 409', async () => {
    const http = httpClient(server.url, ADMIN_TOKEN);
    const answers = await Promise.all(
      Array.from({ length: 200 }, () =>
        http('POST', '/v1/projects/default/clusters', { body: body('race') }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(199);
    const operations = await http('GET', '/v1/projects/default/operations?cluster=race');
    expect(operations.body.items).toHaveLength(1);
  });
});
