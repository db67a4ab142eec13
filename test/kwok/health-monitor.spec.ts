import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { startServer, type RunningServer } from '../../src/server.js';
import { nodePoolSpecSchema } from '../../src/domain/cluster.js';
import { uuidv7 } from '../../src/domain/ids.js';
import { repositories } from '../../src/persistence/repositories.js';
import { ClusterHealthRepository } from '../../src/persistence/cluster-health.repository.js';
import { CLUSTER_LABEL, nodeFor } from '../../src/providers/kwok/node-template.js';
import { HealthMetrics } from '../../src/health/health-metrics.js';
import { HealthMonitor } from '../../src/health/health-monitor.js';
import type { RepairAnswer, RepairRequest, RepairRequester } from '../../src/health/repair-port.js';
import type { TenantConnector } from '../../src/health/tenant-connector.js';
import { endpointOf } from '../../src/kube/tenant-endpoint.js';
import {
  KWOK_ANNOTATED_NODES_ONLY,
  breakNode as breakNodeOf,
  healNode as healNodeOf,
  startKwokCluster,
} from '../support/kwok.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { eventually, httpClient } from '../support/http.js';

const NOT_READY_TIMEOUT_S = 4;

/** Remembers every repair request with the time it came; answers as told per cluster, else accepts. */
class RecordingRequester implements RepairRequester {
  readonly requests: (RepairRequest & { at: number; answer: RepairAnswer })[] = [];
  readonly answers = new Map<string, RepairAnswer[]>();
  async requestRepair(request: RepairRequest) {
    const answer = this.answers.get(request.clusterId)?.shift() ?? 'accepted';
    this.requests.push({ ...request, at: Date.now(), answer });
    return answer;
  }
}

/**
 * The health monitor against a real API server (kwokctl, nodes kept Ready by kwok) and real
 * PostgreSQL; the clusters' records come through the API, their machines are written as the
 * reconciler would. Many kaas clusters share the one API server: each watch selects its nodes
 * by the cluster label, as the provider labels them.
 */
describe('health monitor on a real API server', () => {
  let kwok: Awaited<ReturnType<typeof startKwokCluster>>;
  let server: RunningServer;
  let dropDatabase: () => Promise<void>;
  let monitor: HealthMonitor;
  const requester = new RecordingRequester();
  const api = () => httpClient(server.url, ADMIN_TOKEN);
  const pool = nodePoolSpecSchema.parse({ name: 'workers', replicas: 5 });

  /** A cluster of 5 worker machines; the last `unregistered` of them never get a node. */
  async function createCluster(
    name: string,
    autoRepair: Record<string, number> = {},
    unregistered = 0,
  ): Promise<{ id: string; nodes: string[]; createdAt: number }> {
    const created = await api()('POST', '/v1/projects/default/clusters', {
      body: {
        name,
        spec: {
          provider: 'fake',
          nodePools: [{ name: 'workers', replicas: 5 }],
          autoRepair: {
            notReadyTimeoutSeconds: NOT_READY_TIMEOUT_S,
            backoffSeconds: 600,
            ...autoRepair,
          },
        },
      },
    });
    expect(created.status).toBe(202);
    const id = created.body.clusterId as string;
    const nodes = [1, 2, 3, 4, 5].map((i) => `${name}-workers-${i}`);
    const registered = nodes.slice(0, nodes.length - unregistered);
    const createdAt = Date.now();
    await repositories(server.database.db).machines.insertMany(
      nodes.map((node) => ({
        id: uuidv7(),
        clusterId: id,
        name: node,
        role: 'worker' as const,
        pool: 'workers',
        phase: 'Running' as const,
        nodeName: node,
        version: '1.37.2',
        providerId: `kwok://${id}/${node}`,
      })),
    );
    for (const node of registered) {
      await kwok.client.core.createNode({
        body: nodeFor(id, `kwok://${id}/${node}`, {
          name: node,
          role: 'worker',
          pool,
          version: '1.37.2',
          flavor: 'standard',
        }),
      });
    }
    await eventually(
      async () => (await kwok.client.listNodes()) ?? [],
      (all) => registered.every((n) => all.some((x) => x.name === n && x.ready)),
      30_000,
    );
    return { id, nodes, createdAt };
  }

  const breakNode = (name: string) => breakNodeOf(kwok.client.core, name);
  const healNode = (name: string) => healNodeOf(kwok.client.core, name);

  const newMonitor = () => {
    const connector: TenantConnector = {
      connect: async (cluster) => ({
        endpoint: endpointOf(kwok.client.config),
        labelSelector: `${CLUSTER_LABEL}=${cluster.id}`,
      }),
    };
    return new HealthMonitor(
      new ClusterHealthRepository(server.database.db),
      connector,
      requester,
      new HealthMetrics(new Registry()),
      { discoveryIntervalMs: 500, sweepIntervalMs: 5_000, busyRetryMs: 1_000 },
    );
  };
  let solo: { id: string; nodes: string[] };

  beforeAll(async () => {
    kwok = await startKwokCluster('1.37.2', { extraConfig: KWOK_ANNOTATED_NODES_ONLY });
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    server = await startServer('api', testConfig({ KAAS_DATABASE_URL: db.url }));
    monitor = newMonitor();
    await monitor.start();
  }, 180_000);

  afterAll(async () => {
    await monitor?.stop();
    await server?.close();
    await dropDatabase?.();
    await kwok?.stop();
  });

  it('asks for a repair of a NotReady node within its timeout and a few seconds', async () => {
    solo = await createCluster('solo');
    const { id, nodes } = solo;
    await eventually(
      async () => monitor.watchedClusterIds(),
      (ids) => ids.includes(id),
      10_000,
    );
    const brokenAt = await breakNode(nodes[1]!);
    const [request] = await eventually(
      async () => requester.requests.filter((r) => r.clusterId === id),
      (r) => r.length > 0,
      (NOT_READY_TIMEOUT_S + 15) * 1000,
    );
    expect(request).toMatchObject({ reason: 'NodeNotReady', answer: 'accepted' });
    expect(request!.message).toContain(`node ${nodes[1]} of machine ${nodes[1]}`);
    const delay = (request!.at - brokenAt) / 1000;
    expect(delay).toBeGreaterThanOrEqual(NOT_READY_TIMEOUT_S);
    expect(delay).toBeLessThan(NOT_READY_TIMEOUT_S + 3);
    // Accepted once: the machine now backs off (600 s), so no second request follows.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(requester.requests.filter((r) => r.clusterId === id)).toHaveLength(1);
    const stored = await new ClusterHealthRepository(server.database.db).findMany([id]);
    expect(stored.get(id)?.repairs).toEqual([
      expect.objectContaining({ reason: 'NodeNotReady', role: 'worker' }),
    ]);
  });

  it('short-circuits 3 of 5 NotReady nodes: no request, and the cluster says why', async () => {
    const { id, nodes } = await createCluster('storm');
    await eventually(
      async () => monitor.watchedClusterIds(),
      (ids) => ids.includes(id),
      10_000,
    );
    await Promise.all(nodes.slice(0, 3).map((n) => breakNode(n)));
    const cluster = await eventually(
      () => api()('GET', '/v1/projects/default/clusters/storm'),
      (a) =>
        a.body.status.conditions.some((c: { type: string }) => c.type === 'RemediationAllowed'),
      (NOT_READY_TIMEOUT_S + 15) * 1000,
    );
    expect(cluster.body.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'RemediationAllowed',
        status: 'False',
        reason: 'TooManyUnhealthy',
        message: expect.stringContaining(
          '3 of 5 machines are unhealthy or not Ready, more than the 40%',
        ),
      }),
    );
    const listed = await api()('GET', '/v1/projects/default/clusters');
    const inList = listed.body.items.find((c: { name: string }) => c.name === 'storm');
    expect(inList.status.conditions.map((c: { type: string }) => c.type)).toContain(
      'RemediationAllowed',
    );
    // Past every timeout, still no request: the share, not the timeouts, holds repair back.
    await new Promise((r) => setTimeout(r, (NOT_READY_TIMEOUT_S + 2) * 1000));
    expect(requester.requests.filter((r) => r.clusterId === id)).toEqual([]);

    // The nodes come back (kwok reports them Ready again): the short-circuit ends.
    await Promise.all(nodes.slice(0, 3).map((n) => healNode(n)));
    await eventually(
      () => api()('GET', '/v1/projects/default/clusters/storm'),
      (a) =>
        !a.body.status.conditions.some((c: { type: string }) => c.type === 'RemediationAllowed'),
      30_000,
    );
  });

  it('remembers an accepted repair across a restart: the machine still backs off', async () => {
    await monitor.stop();
    monitor = newMonitor();
    await monitor.start();
    expect(monitor.syncedClusterCount()).toBeGreaterThan(0);
    expect(monitor.watchedClusterIds()).toContain(solo.id);
    // The node is still NotReady and past its timeout; the stored repair's backoff holds.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(requester.requests.filter((r) => r.clusterId === solo.id)).toHaveLength(1);
  });

  it('asks for a repair of a machine whose node never registered in its startup time', async () => {
    const { id, nodes, createdAt } = await createCluster('late', { startupTimeoutSeconds: 6 }, 1);
    const [request] = await eventually(
      async () => requester.requests.filter((r) => r.clusterId === id),
      (r) => r.length > 0,
      30_000,
    );
    expect(request).toMatchObject({ reason: 'NodeNeverRegistered' });
    expect(request!.message).toContain(`machine ${nodes[4]} has no node 6s after creation`);
    expect((request!.at - createdAt) / 1000).toBeGreaterThanOrEqual(5.9);
    expect((request!.at - createdAt) / 1000).toBeLessThan(6 + 12);
  });

  it('asks a busy cluster again, and counts only the accepted repair', async () => {
    const { id, nodes } = await createCluster('busy');
    requester.answers.set(id, ['busy', 'busy']);
    await eventually(
      async () => monitor.watchedClusterIds(),
      (ids) => ids.includes(id),
      10_000,
    );
    await breakNode(nodes[0]!);
    const asked = await eventually(
      async () => requester.requests.filter((r) => r.clusterId === id),
      (r) => r.length === 3,
      (NOT_READY_TIMEOUT_S + 20) * 1000,
    );
    expect(asked.map((r) => r.answer)).toEqual(['busy', 'busy', 'accepted']);
    expect(asked[1]!.at - asked[0]!.at).toBeGreaterThanOrEqual(900);
    const stored = await new ClusterHealthRepository(server.database.db).findMany([id]);
    expect(stored.get(id)?.repairs).toHaveLength(1);
  });
});
