import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { startServer, type RunningServer } from '../../src/server.js';
import { repositories } from '../../src/persistence/repositories.js';
import { initialStatus, type ClusterSpec } from '../../src/domain/cluster.js';
import { uuidv7 } from '../../src/domain/ids.js';
import { planCluster } from '../../src/domain/plan.js';
import { QUEUES } from '../../src/queue/jobs.js';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.js';
import { createTestDatabase } from '../support/postgres.js';
import { clusterSpec, testConfig } from '../support/factories.js';
import { eventually } from '../support/http.js';
import { TEST_REDIS_URL } from '../support/env.js';

/** A lost job is never a lost operation: the periodic resync finds recorded work and runs it. */
describe('resync', () => {
  let server: RunningServer;
  let drop: () => Promise<void>;
  let prefix: string;

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    const config = testConfig({ KAAS_DATABASE_URL: db.url, KAAS_RESYNC_INTERVAL_SECONDS: '1' });
    prefix = config.KAAS_QUEUE_PREFIX;
    server = await startServer('all', config);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  /** Records a cluster and its Create operation as the API does, without enqueueing a job. */
  async function recordCreate(name: string, spec: ClusterSpec) {
    const repos = repositories(server.database.db);
    const project = (await repos.projects.findByName('default'))!;
    const cluster = await repos.clusters.insert({
      id: uuidv7(),
      projectId: project.id,
      name,
      spec,
      status: initialStatus(),
    });
    const { operation } = await repos.operations.insert(
      {
        id: uuidv7(),
        projectId: project.id,
        clusterId: cluster.id,
        clusterName: name,
        type: 'Create',
        status: 'Pending',
        targetGeneration: 1,
      },
      planCluster({ spec, deleting: false, machines: [], infrastructureReady: false }),
    );
    return { cluster, operation };
  }

  it('completes an operation whose job never reached the queue', async () => {
    const repos = repositories(server.database.db);
    // What the API writes when Redis is down at request time: state and Operation, no job.
    const { cluster, operation } = await recordCreate('orphaned-job', clusterSpec());
    const done = await eventually(
      () => repos.operations.findById(operation.id),
      (op) => op?.status === 'Succeeded',
      20_000,
    );
    expect(done!.status).toBe('Succeeded');
    expect((await repos.clusters.findById(cluster.id))!.status.phase).toBe('Running');
  });

  it('completes an operation whose job was removed from Redis mid-way', async () => {
    const repos = repositories(server.database.db);
    const { cluster, operation } = await recordCreate(
      'dropped-job',
      clusterSpec({ nodePools: [{ name: 'w', replicas: 3 }] }),
    );
    await server.app.get(ReconcileQueue).enqueue(cluster.id);
    await eventually(
      () => repos.operations.findById(operation.id),
      (op) => op?.status === 'Running',
      10_000,
    );
    const queue = new Queue(QUEUES.reconcile, { connection: { url: TEST_REDIS_URL }, prefix });
    const removedAt = Date.now();
    await queue.obliterate({ force: true });
    // The resync runs every second: a job queued now can only be one it put back after the
    // obliteration, never the job that was running.
    const left = await queue.getJobs(['waiting', 'delayed', 'active']);
    expect(left.filter((job) => job.timestamp < removedAt)).toEqual([]);
    await queue.close();
    const done = await eventually(
      () => repos.operations.findById(operation.id),
      (op) => op?.status === 'Succeeded',
      20_000,
    );
    expect(done!.status).toBe('Succeeded');
  });
});
