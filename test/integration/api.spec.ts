import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { eventually, httpClient } from '../support/http.js';

/** The HTTP API on real PostgreSQL and Redis, in one process, as a client sees it. */
describe('API', () => {
  let server: RunningServer;
  let dropDatabase: () => Promise<void>;
  let admin: ReturnType<typeof httpClient>;
  let editorToken: string;
  let viewerToken: string;
  let otherToken: string;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    server = await startServer(
      'all',
      testConfig({ KAAS_DATABASE_URL: db.url, KAAS_QUOTA_NODES: '20' }),
    );
    admin = httpClient(server.url, ADMIN_TOKEN);
    await admin('POST', '/v1/projects', { body: { name: 'team-a' } });
    await admin('POST', '/v1/projects', { body: { name: 'team-b' } });
    const token = async (project: string, role: string) =>
      (await admin('POST', `/v1/projects/${project}/tokens`, { body: { name: role, role } })).body
        .token as string;
    editorToken = await token('team-a', 'editor');
    viewerToken = await token('team-a', 'viewer');
    otherToken = await token('team-b', 'admin');
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await dropDatabase?.();
  });

  const editor = () => httpClient(server.url, editorToken);
  const createBody = (name: string, replicas = 1) => ({
    name,
    spec: { provider: 'fake', nodePools: [{ name: 'workers', replicas }] },
  });

  it('creates a cluster: 202 with the Operation and its planned steps, then Running', async () => {
    const answer = await editor()('POST', '/v1/projects/team-a/clusters', {
      body: createBody('alpha', 2),
    });
    expect(answer.status).toBe(202);
    expect(answer.headers.get('location')).toBe(`/v1/projects/team-a/operations/${answer.body.id}`);
    expect(answer.body).toMatchObject({ type: 'Create', clusterName: 'alpha', project: 'team-a' });
    expect(answer.body.steps.map((s: { name: string }) => s.name)).toEqual([
      'infrastructure',
      'control-plane',
      'node-pool/workers',
      'nodes-ready',
    ]);
    const op = await eventually(
      () => editor()('GET', `/v1/projects/team-a/operations/${answer.body.id}`),
      (a) => a.body.status === 'Succeeded',
    );
    expect(op.body.progress).toBe(100);
    const cluster = await editor()('GET', '/v1/projects/team-a/clusters/alpha');
    expect(cluster.body.status).toMatchObject({
      phase: 'Running',
      observedGeneration: 1,
      nodeCounts: { desired: 3, ready: 3 },
    });
    expect(cluster.headers.get('etag')).toBe(`"${cluster.body.resourceVersion}"`);
    const machines = await editor()(
      'GET',
      '/v1/projects/team-a/clusters/alpha/machines?pool=workers',
    );
    expect(machines.body.items).toHaveLength(2);
    expect(machines.body.items.every((m: { phase: string }) => m.phase === 'Running')).toBe(true);
  });

  it('answers field-level 400s for malformed and unknown input', async () => {
    const post = (body: unknown, raw?: string) =>
      editor()('POST', '/v1/projects/team-a/clusters', raw ? { raw } : { body });
    const malformed = await post(undefined, '{"name": ');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toContain('application/problem+json');

    const cases: [unknown, string][] = [
      [{ name: 'Not_A_Label', spec: { provider: 'fake' } }, 'name'],
      [{ name: 'ok', spec: { provider: 'fake' }, color: 'blue' }, 'body'],
      [
        { name: 'ok', spec: { provider: 'fake', nodePools: [{ name: 'w', replicas: -1 }] } },
        'spec.nodePools[0].replicas',
      ],
      [
        { name: 'ok', spec: { provider: 'fake', nodePools: [{ name: 'w', replicas: 'two' }] } },
        'spec.nodePools[0].replicas',
      ],
      [{ name: 'ok', spec: { provider: 'ec2' } }, 'spec.provider'],
      [{ name: 'x; rm -rf /', spec: { provider: 'fake' } }, 'name'],
    ];
    for (const [body, field] of cases) {
      const answer = await post(body);
      expect({
        status: answer.status,
        fields: answer.body.errors.map((e: { field: string }) => e.field),
      }).toEqual({
        status: 400,
        fields: expect.arrayContaining([field]),
      });
    }
  });

  it('answers 422 naming the field for unsupported versions, disabled providers and quotas', async () => {
    const cases: [unknown, string][] = [
      [
        { name: 'v', spec: { provider: 'fake', kubernetesVersion: '1.19.0' } },
        'spec.kubernetesVersion',
      ],
      [{ name: 'k', spec: { provider: 'kwok' } }, 'spec.provider'],
      [
        { name: 'q', spec: { provider: 'fake', nodePools: [{ name: 'w', replicas: 30 }] } },
        'spec.nodePools',
      ],
      [
        {
          name: 'f',
          spec: { provider: 'fake', nodePools: [{ name: 'w', replicas: 1, flavor: 'xxl' }] },
        },
        'spec.nodePools[0].flavor',
      ],
    ];
    for (const [body, field] of cases) {
      const answer = await editor()('POST', '/v1/projects/team-a/clusters', { body });
      expect({
        status: answer.status,
        fields: answer.body.errors.map((e: { field: string }) => e.field),
      }).toEqual({ status: 422, fields: [field] });
    }
  });

  it('authenticates every call and authorises per project and role', async () => {
    expect((await httpClient(server.url)('GET', '/v1/projects/team-a/clusters')).status).toBe(401);
    expect(
      (await httpClient(server.url, 'kaas_wrong')('GET', '/v1/projects/team-a/clusters')).status,
    ).toBe(401);
    const viewer = httpClient(server.url, viewerToken);
    expect((await viewer('GET', '/v1/projects/team-a/clusters')).status).toBe(200);
    const denied = await viewer('POST', '/v1/projects/team-a/clusters', {
      body: createBody('viewer-made'),
    });
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toContain('editor');
    expect(
      (await editor()('POST', '/v1/projects/team-a/tokens', { body: { name: 'x', role: 'admin' } }))
        .status,
    ).toBe(403);
    expect((await editor()('POST', '/v1/projects', { body: { name: 'mine' } })).status).toBe(403);
    // Another project's token sees nothing, not even that the project exists.
    const other = httpClient(server.url, otherToken);
    expect((await other('GET', '/v1/projects/team-a/clusters')).status).toBe(404);
    expect((await other('GET', '/v1/projects/team-a/clusters/alpha')).status).toBe(404);
    expect((await other('GET', '/v1/projects/no-such-project/clusters')).status).toBe(404);
    expect(
      (await other('GET', '/v1/projects')).body.items.map((p: { name: string }) => p.name),
    ).toEqual(['team-b']);
  });

  it('replays the first answer for a repeated Idempotency-Key and refuses another body with 422', async () => {
    const headers = { 'idempotency-key': 'create-beta-1' };
    const first = await editor()('POST', '/v1/projects/team-a/clusters', {
      body: createBody('beta'),
      headers,
    });
    const again = await editor()('POST', '/v1/projects/team-a/clusters', {
      body: createBody('beta'),
      headers,
    });
    expect(again.status).toBe(first.status);
    expect(again.body.id).toBe(first.body.id);
    const other = await editor()('POST', '/v1/projects/team-a/clusters', {
      body: createBody('gamma'),
      headers,
    });
    expect(other.status).toBe(422);
    const duplicateName = await editor()('POST', '/v1/projects/team-a/clusters', {
      body: createBody('beta'),
    });
    expect(duplicateName.status).toBe(409);
  });

  it('answers a dry run with the plan and changes nothing', async () => {
    const plan = await editor()('POST', '/v1/projects/team-a/clusters?dryRun=true', {
      body: createBody('dry', 3),
    });
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({ dryRun: true, operationType: 'Create' });
    expect(
      plan.body.steps.find((s: { name: string }) => s.name === 'node-pool/workers').total,
    ).toBe(3);
    expect((await editor()('GET', '/v1/projects/team-a/clusters/dry')).status).toBe(404);

    await eventually(
      () => editor()('GET', '/v1/projects/team-a/clusters/alpha'),
      (a) => a.body.status.phase === 'Running',
    );
    const scalePlan = await editor()(
      'POST',
      '/v1/projects/team-a/clusters/alpha/nodePools/workers/scale?dryRun=true',
      { body: { replicas: 5 } },
    );
    expect(scalePlan.body.steps[0]).toMatchObject({
      name: 'node-pool/workers',
      description: 'Add 3 machines to the pool workers (2 → 5)',
    });
    const deletePlan = await editor()('DELETE', '/v1/projects/team-a/clusters/alpha?dryRun=true');
    expect(deletePlan.body.steps.map((s: { name: string }) => s.name)).toEqual([
      'delete-machines',
      'delete-infrastructure',
      'verify-deleted',
    ]);
    expect((await editor()('GET', '/v1/projects/team-a/clusters/alpha')).body.status.phase).toBe(
      'Running',
    );
  });

  it('patches with If-Match, answering 412 for a stale version and 409 while an operation runs', async () => {
    const current = await editor()('GET', '/v1/projects/team-a/clusters/alpha');
    const rv = current.body.resourceVersion as string;
    const patch = (spec: unknown, ifMatch: string) =>
      editor()('PATCH', '/v1/projects/team-a/clusters/alpha', {
        raw: JSON.stringify({ spec }),
        headers: { 'content-type': 'application/merge-patch+json', 'if-match': ifMatch },
      });
    const pools = [{ name: 'workers', replicas: 3 }];
    expect((await patch({ nodePools: pools }, '"999"')).status).toBe(412);
    const accepted = await patch({ nodePools: pools, labels: { team: 'a' } }, `"${rv}"`);
    expect(accepted.status).toBe(202);
    expect(accepted.body.type).toBe('Update');
    const busy = await editor()(
      'POST',
      '/v1/projects/team-a/clusters/alpha/nodePools/workers/scale',
      { body: { replicas: 4 } },
    );
    expect(busy.status).toBe(409);
    await eventually(
      () => editor()('GET', `/v1/projects/team-a/operations/${accepted.body.id}`),
      (a) => a.body.status === 'Succeeded',
    );
    const after = await editor()('GET', '/v1/projects/team-a/clusters/alpha');
    expect(after.body.spec.labels).toEqual({ team: 'a' });
    expect(after.body.status.nodeCounts.ready).toBe(4);
    expect((await patch({ provider: 'kind' }, after.body.resourceVersion)).status).toBe(422);
    const noop = await patch({ labels: { team: 'a' } }, after.body.resourceVersion);
    expect(noop.status).toBe(200);
  });

  it('refuses to delete a protected cluster with 409, then deletes it once unprotected', async () => {
    await editor()('POST', '/v1/projects/team-a/clusters', {
      body: { name: 'keep', spec: { provider: 'fake', deletionProtection: true } },
    });
    await eventually(
      () => editor()('GET', '/v1/projects/team-a/clusters/keep'),
      (a) => a.body.status.phase === 'Running',
    );
    const refused = await editor()('DELETE', '/v1/projects/team-a/clusters/keep');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('deletion protection');
    const unprotect = await editor()('PATCH', '/v1/projects/team-a/clusters/keep', {
      body: { spec: { deletionProtection: false } },
    });
    await eventually(
      () => editor()('GET', `/v1/projects/team-a/operations/${unprotect.body.id}`),
      (a) => a.body.status === 'Succeeded',
    );
    const deleted = await editor()('DELETE', '/v1/projects/team-a/clusters/keep');
    expect(deleted.status).toBe(202);
    await eventually(
      () => editor()('GET', '/v1/projects/team-a/clusters/keep'),
      (a) => a.status === 404,
    );
    const ops = await editor()('GET', '/v1/projects/team-a/operations?cluster=keep');
    expect(
      ops.body.items.map((o: { type: string; status: string }) => `${o.type}:${o.status}`),
    ).toEqual(['Create:Succeeded', 'Update:Succeeded', 'Delete:Succeeded']);
  });

  it('cancels a running operation and refuses to cancel a finished one', async () => {
    const created = await editor()('POST', '/v1/projects/team-a/clusters', {
      body: createBody('cancel-me', 3),
    });
    const cancelled = await editor()(
      'POST',
      `/v1/projects/team-a/operations/${created.body.id}/cancel`,
    );
    expect(cancelled.status).toBe(202);
    expect(['Cancelling', 'Cancelled']).toContain(cancelled.body.status);
    const final = await eventually(
      () => editor()('GET', `/v1/projects/team-a/operations/${created.body.id}`),
      (a) => a.body.status === 'Cancelled',
    );
    expect(final.body.error.reason).toBe('Cancelled');
    expect(
      (await editor()('POST', `/v1/projects/team-a/operations/${created.body.id}/cancel`)).status,
    ).toBe(409);
    expect((await editor()('GET', '/v1/projects/team-a/operations/not-an-id')).status).toBe(404);
  });

  it('paginates with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await editor()(
        'GET',
        `/v1/projects/team-a/operations?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((o: { id: string }) => o.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(6);
    expect((await editor()('GET', '/v1/projects/team-a/operations?limit=0')).status).toBe(400);
    expect((await editor()('GET', '/v1/projects/team-a/operations?cursor=bogus')).status).toBe(400);
  });

  it('writes an audit record for every mutating call, refused ones included', async () => {
    const records = await admin('GET', '/v1/projects/team-a/auditRecords?limit=500');
    const items = records.body.items as {
      method: string;
      statusCode: number;
      outcome: string;
      tokenId?: string;
    }[];
    expect(
      items.some((r) => r.method === 'POST' && r.statusCode === 202 && r.outcome === 'success'),
    ).toBe(true);
    expect(items.some((r) => r.statusCode === 403 && r.outcome === 'denied' && r.tokenId)).toBe(
      true,
    );
    expect(
      items.some((r) => r.method === 'PATCH' && r.statusCode === 412 && r.outcome === 'failure'),
    ).toBe(true);
    expect((await editor()('GET', '/v1/projects/team-a/auditRecords')).status).toBe(403);
  });

  it('opens the queue dashboard to platform administrators only', async () => {
    expect((await httpClient(server.url)('GET', '/admin/queues')).status).toBe(401);
    expect((await editor()('GET', '/admin/queues')).status).toBe(403);
    const page = await admin('GET', '/admin/queues');
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('<html');
    const cookie = await httpClient(server.url)('GET', '/admin/queues', {
      headers: { cookie: `kaas_token=${ADMIN_TOKEN}` },
    });
    expect(cookie.status).toBe(200);
  });

  it('serves health, readiness, metrics and the OpenAPI document without a token', async () => {
    const anonymous = httpClient(server.url);
    expect((await anonymous('GET', '/healthz')).status).toBe(200);
    expect((await anonymous('GET', '/readyz')).body).toEqual({
      status: 'ok',
      checks: { database: 'ok', redis: 'ok' },
    });
    const metrics = await anonymous('GET', '/metrics');
    expect(metrics.body).toContain('kaas_http_requests_total');
    expect(metrics.body).toMatch(
      /kaas_operation_duration_seconds_count\{type="Create",status="Succeeded"\} [1-9]/,
    );
    expect(metrics.body).toMatch(
      /kaas_provider_requests_total\{provider="fake",method="createMachine",outcome="ok"\} [1-9]/,
    );
    expect(metrics.body).toMatch(/kaas_queue_oldest_waiting_seconds\{queue="reconcile"\} /);
    expect(metrics.body).toMatch(/kaas_reconcile_total\{result="converged"\} \d+/);
    expect(metrics.body).toMatch(/kaas_queue_jobs\{queue="reconcile",state="waiting"\} \d+/);
    const document = await anonymous('GET', '/openapi.json');
    expect(document.body.openapi).toBe('3.1.0');
    expect(document.body.paths['/v1/projects/{project}/clusters'].post.operationId).toBe(
      'createCluster',
    );
    expect((await anonymous('GET', '/docs')).status).toBe(200);
    expect((await anonymous('GET', '/nope')).headers.get('content-type')).toContain(
      'application/problem+json',
    );
  });
});
