import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { eventually, httpClient } from '../support/http.js';

type Caller = 'anonymous' | 'viewer' | 'editor' | 'admin' | 'foreign' | 'platform';
const ROLES = ['viewer', 'editor', 'admin'] as const;

interface Route {
  method: string;
  path: string;
  operationId: string;
  access: string;
}

/** Every route of the committed OpenAPI document, with the access it declares. */
function routes(): Route[] {
  const document = JSON.parse(
    readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'),
  );
  const found: Route[] = [];
  for (const [path, item] of Object.entries<
    Record<string, { operationId: string; 'x-kaas-access': string }>
  >(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      found.push({
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId,
        access: operation['x-kaas-access'],
      });
    }
  }
  return found;
}

/** Requests that pass authorisation without changing anything: dry runs, invalid bodies, finished operations. */
const HARMLESS: Record<string, { query?: string; body?: unknown }> = {
  createProject: { body: {} },
  createToken: { body: {} },
  createCloud: { body: {} },
  createCluster: { query: '?dryRun=true', body: { name: 'probe', spec: { provider: 'fake' } } },
  updateCluster: { query: '?dryRun=true', body: { spec: { labels: { probe: 'yes' } } } },
  deleteCluster: { query: '?dryRun=true' },
  scaleNodePool: { query: '?dryRun=true', body: { replicas: 3 } },
};

describe('tenancy matrix: every route × every role × a foreign project', () => {
  let server: RunningServer;
  let drop: () => Promise<void>;
  const tokens: Partial<Record<Caller, string>> = { platform: ADMIN_TOKEN };
  const params: Record<string, string> = {
    project: 'team-a',
    cluster: 'secret-cluster',
    pool: 'workers',
  };
  let clusterId = '';

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    server = await startServer('all', testConfig({ KAAS_DATABASE_URL: db.url }));
    const admin = httpClient(server.url, ADMIN_TOKEN);
    await admin('POST', '/v1/projects', { body: { name: 'team-a' } });
    await admin('POST', '/v1/projects', { body: { name: 'team-b' } });
    for (const role of ROLES) {
      const created = await admin('POST', '/v1/projects/team-a/tokens', {
        body: { name: role, role },
      });
      tokens[role] = created.body.token;
    }
    tokens.foreign = (
      await admin('POST', '/v1/projects/team-b/tokens', {
        body: { name: 'b-admin', role: 'admin' },
      })
    ).body.token;
    const op = await admin('POST', '/v1/projects/team-a/clusters', {
      body: {
        name: 'secret-cluster',
        spec: { provider: 'fake', nodePools: [{ name: 'workers', replicas: 1 }] },
      },
    });
    clusterId = op.body.clusterId;
    params.operation = op.body.id;
    await eventually(
      () => admin('GET', `/v1/projects/team-a/operations/${op.body.id}`),
      (a) => a.body.status === 'Succeeded',
    );
    params.token = randomUUID();
  });

  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  it('covers every route of the document with a declared access', () => {
    const all = routes();
    expect(all.length).toBeGreaterThanOrEqual(20);
    expect(all.filter((r) => !r.access)).toEqual([]);
  });

  const callers: Caller[] = ['anonymous', 'viewer', 'editor', 'admin', 'foreign', 'platform'];

  it.each(
    routes()
      .filter((r) => r.access !== 'public')
      .map((r) => [`${r.method} ${r.path}`, r] as const),
  )('%s answers each caller as its access says', async (_name, route) => {
    const url =
      route.path.replace(/\{(\w+)\}/g, (_, key: string) => params[key] ?? 'x') +
      (HARMLESS[route.operationId]?.query ?? '');
    const body = HARMLESS[route.operationId]?.body;
    const results: Record<string, number> = {};
    for (const caller of callers) {
      const token = caller === 'anonymous' ? null : tokens[caller]!;
      const answer = await httpClient(server.url)(route.method, url, {
        token,
        ...(body !== undefined ? { body } : {}),
      });
      results[caller] = answer.status;
      const text = JSON.stringify(answer.body ?? '');
      if (caller === 'foreign') expect(text).not.toContain(clusterId);
      if (caller !== 'anonymous' && answer.status === 404) {
        // A 404 that passed authorisation is about the resource, never about the project.
        if (expectedFor(route, caller) !== 404) expect(answer.body.detail).not.toMatch(/^project /);
      }
    }
    const expected = Object.fromEntries(callers.map((c) => [c, expectedFor(route, c)]));
    const actual = Object.fromEntries(
      callers.map((c) => [
        c,
        expected[c] === 'allowed'
          ? [401, 403].includes(results[c]!)
            ? results[c]
            : 'allowed'
          : results[c],
      ]),
    );
    expect(actual).toEqual(expected);
  });

  function expectedFor(route: Route, caller: Caller): number | 'allowed' {
    if (caller === 'anonymous') return 401;
    if (caller === 'platform') return 'allowed';
    if (route.access === 'platform-admin') return 403;
    if (route.access === 'authenticated') return 'allowed';
    if (caller === 'foreign') return route.path.includes('{project}') ? 404 : 'allowed';
    return ROLES.indexOf(caller) >= ROLES.indexOf(route.access as (typeof ROLES)[number])
      ? 'allowed'
      : 403;
  }

  it('lists only the caller’s own projects', async () => {
    const foreign = await httpClient(server.url, tokens.foreign)('GET', '/v1/projects');
    expect(foreign.body.items.map((p: { name: string }) => p.name)).toEqual(['team-b']);
    const viewer = await httpClient(server.url, tokens.viewer)('GET', '/v1/projects');
    expect(viewer.body.items.map((p: { name: string }) => p.name)).toEqual(['team-a']);
  });
});
