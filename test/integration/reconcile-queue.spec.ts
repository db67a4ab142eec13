import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { reconcileJobId } from '../../src/queue/jobs.js';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.js';
import { testConfig } from '../support/factories.js';

/** The queue alone, on real Redis, with no worker taking its jobs. */
describe('ReconcileQueue.enqueueSpread', () => {
  let queue: ReconcileQueue;

  beforeAll(() => {
    queue = new ReconcileQueue(testConfig());
  });

  afterAll(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.onApplicationShutdown();
  });

  const delays = async (ids: string[]) =>
    Promise.all(
      ids.map(async (id) => (await queue.queue.getJob(reconcileJobId(id)))?.opts.delay ?? 0),
    );

  it('spreads a periodic pass evenly over the window instead of starting it all at once', async () => {
    const ids = ['c-1', 'c-2', 'c-3', 'c-4'];
    await queue.enqueueSpread(ids, 8_000);
    expect(await delays(ids)).toEqual([0, 2_000, 4_000, 6_000]);
    expect(await queue.queue.getJobCounts('waiting', 'delayed')).toEqual({
      waiting: 1,
      delayed: 3,
    });
  });

  it('keeps the job of a cluster that already has one', async () => {
    await queue.enqueue('c-5');
    await queue.enqueueSpread(['c-6', 'c-5', 'c-3'], 3_000);
    // New, they would wait 0, 1 and 2 s; c-5 keeps its job (no delay) and c-3 its 4 s.
    expect(await delays(['c-6', 'c-5', 'c-3'])).toEqual([0, 0, 4_000]);
  });

  it('starts a lone cluster at once', async () => {
    await queue.enqueueSpread(['c-7'], 60_000);
    expect(await delays(['c-7'])).toEqual([0]);
  });
});
