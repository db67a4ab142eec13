import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { httpClient } from '../support/http.js';

/** Per-token rate limits on real Redis: a burst, then 429 with Retry-After, other tokens unharmed. */
describe('per-token rate limits', () => {
  let server: RunningServer;
  let dropDatabase: () => Promise<void>;
  let otherToken: string;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    server = await startServer(
      'api',
      testConfig({
        KAAS_DATABASE_URL: db.url,
        KAAS_RATE_LIMIT_PER_SECOND: '0.5',
        KAAS_RATE_LIMIT_BURST: '10',
      }),
    );
    const admin = httpClient(server.url, ADMIN_TOKEN);
    otherToken = (
      await admin('POST', '/v1/projects/default/tokens', { body: { name: 'ci', role: 'viewer' } })
    ).body.token as string;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await dropDatabase?.();
  });

  it('lets a burst through, then answers 429 with Retry-After and problem details', async () => {
    const viewer = httpClient(server.url, otherToken);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++)
      statuses.push((await viewer('GET', '/v1/projects/default/clusters')).status);
    expect(statuses).toEqual(Array(10).fill(200));
    const refused = await viewer('GET', '/v1/projects/default/clusters');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 429, title: 'Too many requests' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // Another token has its own bucket.
    const admin = httpClient(server.url, ADMIN_TOKEN);
    expect((await admin('GET', '/v1/projects/default/clusters')).status).toBe(200);

    // Tokens come back at the configured rate, one every 2 s: one request passes, not two.
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await viewer('GET', '/v1/projects/default/clusters')).status).toBe(200);
    expect((await viewer('GET', '/v1/projects/default/clusters')).status).toBe(429);
  });

  it('refuses a body over the size limit with 413 problem details, before it is parsed', async () => {
    const admin = httpClient(server.url, ADMIN_TOKEN);
    const huge = {
      name: 'big',
      spec: { provider: 'fake', labels: { a: 'x'.repeat(2 * 1024 * 1024) } },
    };
    const answer = await admin('POST', '/v1/projects/default/clusters', { body: huge });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ status: 413 });
  });
});
