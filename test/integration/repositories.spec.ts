import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isUniqueViolation, type DatabaseHandle } from '../../src/persistence/database.js';
import { repositories, type Repositories } from '../../src/persistence/repositories.js';
import { initialStatus } from '../../src/domain/cluster.js';
import { uuidv7 } from '../../src/domain/ids.js';
import { runIdempotent } from '../../src/api/idempotency.js';
import { ValidationError } from '../../src/domain/errors.js';
import { clusterSpec } from '../support/factories.js';
import { eq } from 'drizzle-orm';
import { idempotencyKeys } from '../../src/persistence/schema.js';
import { openTestDatabase } from '../support/postgres.js';

/** The same repository behaviour on real PostgreSQL and on the embedded database. */
describe.each([
  ['PostgreSQL', 'postgres'],
  ['embedded PGlite', 'embedded'],
] as const)('repositories on %s', (_label, kind) => {
  let database: DatabaseHandle;
  let close: (() => Promise<void>) | undefined;
  let repos: Repositories;
  const projectId = uuidv7();

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase(kind));
    repos = repositories(database.db);
    await repos.projects.insert({
      id: projectId,
      name: 'repo-test',
      quotaClusters: 5,
      quotaNodes: 50,
    });
  }, 60_000);

  afterAll(async () => {
    await close?.();
  });

  const newCluster = (name: string) =>
    repos.clusters.insert({
      id: uuidv7(),
      projectId,
      name,
      spec: clusterSpec(),
      status: initialStatus(),
    });

  it('runs the migrations and answers a ping', async () => {
    await expect(database.ping()).resolves.toBeUndefined();
    expect(database.kind).toBe(kind);
  });

  it('keeps live cluster names unique per project, and frees a name once deleted', async () => {
    const first = await newCluster('same');
    await expect(
      newCluster('same').catch((error: unknown) => isUniqueViolation(error)),
    ).resolves.toBe(true);
    await repos.clusters.markDeleted(first.id);
    await expect(newCluster('same')).resolves.toMatchObject({ name: 'same' });
  });

  it('updates the spec only at the expected resourceVersion, bumping generation', async () => {
    const cluster = await newCluster('versioned');
    const updated = await repos.clusters.updateSpec(
      cluster.id,
      1,
      clusterSpec({ deletionProtection: true }),
    );
    expect(updated).toMatchObject({ generation: 2, resourceVersion: 2 });
    expect(await repos.clusters.updateSpec(cluster.id, 1, clusterSpec())).toBeUndefined();
  });

  it('hands the lease to one owner until it expires or is released', async () => {
    const cluster = await newCluster('leased');
    expect(await repos.clusters.acquireLease(cluster.id, 'a', 30)).toBe(true);
    expect(await repos.clusters.acquireLease(cluster.id, 'b', 30)).toBe(false);
    expect(await repos.clusters.acquireLease(cluster.id, 'a', 30)).toBe(true);
    await repos.clusters.releaseLease(cluster.id, 'b');
    expect(await repos.clusters.acquireLease(cluster.id, 'b', 30)).toBe(false);
    await repos.clusters.releaseLease(cluster.id, 'a');
    expect(await repos.clusters.acquireLease(cluster.id, 'b', 0)).toBe(true);
    // A zero-second lease is already expired: a dead owner's lease is taken over.
    expect(await repos.clusters.acquireLease(cluster.id, 'c', 30)).toBe(true);
  });

  it('finds clusters a lost job would strand: active operations and expired leases', async () => {
    const withOperation = await newCluster('resync-op');
    const idle = await newCluster('resync-idle');
    const abandoned = await newCluster('resync-lease');
    await repos.operations.insert(
      {
        id: uuidv7(),
        projectId,
        clusterId: withOperation.id,
        clusterName: 'resync-op',
        type: 'Create',
        status: 'Running',
        targetGeneration: 1,
      },
      [],
    );
    await repos.clusters.acquireLease(abandoned.id, 'dead-worker', 0);
    const ids = await repos.clusters.findNeedingResync(1000);
    expect(ids).toEqual(expect.arrayContaining([withOperation.id, abandoned.id]));
    expect(ids).not.toContain(idle.id);
  });

  it('moves an operation only from the statuses given, closing its steps', async () => {
    const cluster = await newCluster('ops');
    const { operation } = await repos.operations.insert(
      {
        id: uuidv7(),
        projectId,
        clusterId: cluster.id,
        clusterName: 'ops',
        type: 'Create',
        status: 'Pending',
        targetGeneration: 1,
      },
      [
        { name: 'one', description: 'first', total: 2 },
        { name: 'two', description: 'second', total: 1 },
      ],
    );
    await repos.operations.updateStep(operation.id, 'one', { status: 'Running', done: 1 });
    expect(await repos.operations.transition(operation.id, ['Running'], 'Succeeded')).toBe(false);
    expect(await repos.operations.transition(operation.id, ['Pending'], 'Succeeded')).toBe(true);
    const steps = await repos.operations.steps(operation.id);
    expect(steps.map((s) => [s.status, s.done])).toEqual([
      ['Done', 2],
      ['Done', 1],
    ]);
    expect((await repos.operations.findById(operation.id))!.finishedAt).not.toBeNull();
  });

  it('stores an idempotent answer once and refuses the key for another request', async () => {
    let runs = 0;
    const work = async () => {
      runs++;
      return { status: 202, body: { run: runs } };
    };
    const first = await runIdempotent(database.db, projectId, 'key-1', { a: 1 }, work);
    const second = await runIdempotent(database.db, projectId, 'key-1', { a: 1 }, work);
    expect(second).toEqual(first);
    expect(runs).toBe(1);
    await expect(
      runIdempotent(database.db, projectId, 'key-1', { a: 2 }, work),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('forgets idempotency keys older than their time to live, and only those', async () => {
    await repos.idempotency.insert(projectId, 'old-key', {
      requestHash: 'h',
      statusCode: 202,
      response: {},
    });
    await repos.idempotency.insert(projectId, 'new-key', {
      requestHash: 'h',
      statusCode: 202,
      response: {},
    });
    await database.db
      .update(idempotencyKeys)
      .set({ createdAt: new Date(Date.now() - 25 * 3_600_000) })
      .where(eq(idempotencyKeys.key, 'old-key'));
    const forgotten = await repos.idempotency.deleteOlderThan(
      new Date(Date.now() - 24 * 3_600_000),
    );
    expect(forgotten).toBe(1);
    expect(await repos.idempotency.find(projectId, 'old-key')).toBeUndefined();
    expect(await repos.idempotency.find(projectId, 'new-key')).toBeDefined();
  });

  it('runs concurrent identical requests exactly once', async () => {
    let runs = 0;
    const work = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      return { status: 202, body: { run: runs } };
    };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        runIdempotent(database.db, projectId, 'concurrent', { same: true }, work),
      ),
    );
    expect(runs).toBe(1);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  });
});
