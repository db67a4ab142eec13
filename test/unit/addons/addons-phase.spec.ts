import { describe, expect, it } from '@jest/globals';
import { resolveAddons } from '../../../src/addons/resolve.js';
import {
  clusterSpecSchema,
  initialStatus,
  type ClusterSpecInput,
} from '../../../src/domain/cluster.js';
import { TerminalError } from '../../../src/domain/errors.js';
import type { ClusterAddonRecord } from '../../../src/persistence/addons.repository.js';
import { reconcileAddons } from '../../../src/reconcilers/cluster/phases/addons.phase.js';
import { ProgressReporter } from '../../../src/reconcilers/cluster/progress-reporter.js';
import type { ReconcileContext } from '../../../src/reconcilers/cluster/reconcile-context.js';

/** The add-ons phase against an in-memory record of add-ons and flows. */
function harness(input: Partial<ClusterSpecInput>, rows: Partial<ClusterAddonRecord>[] = []) {
  const spec = clusterSpecSchema.parse({ provider: 'kwok', ...input });
  const flows: string[][] = [];
  const conditions: { type: string; ok: boolean; reason: string; message: string }[] = [];
  let running = false;
  const cluster = { id: 'c1', generation: 3, spec, status: initialStatus() };
  const ctx = {
    cluster,
    progress: new ProgressReporter(undefined as never, undefined, []),
    conditions: [],
    setCondition: (type: string, ok: boolean, reason: string, message: string) =>
      conditions.push({ type, ok, reason, message }),
    addons: {
      list: async () => rows as ClusterAddonRecord[],
      flowRunning: async () => running,
      startFlow: async (_id: string, addons: string[]) => {
        flows.push(addons);
        running = true;
      },
    },
  } as unknown as ReconcileContext;
  return { ctx, flows, conditions, cluster, spec };
}

const healthy = (name: string, fingerprint: string): Partial<ClusterAddonRecord> => ({
  name,
  version: '1.1.0',
  fingerprint,
  phase: 'Healthy',
  message: null,
  generation: 2,
  inventory: [],
});

describe('add-ons phase', () => {
  it('starts one flow for what differs and waits while it runs, starting no second one', async () => {
    const { ctx, flows } = harness({ nodePools: [{ name: 'g', replicas: 1, gpu: { count: 1 } }] });
    const first = await reconcileAddons(ctx);
    expect(first).toMatchObject({ done: false });
    expect(flows).toEqual([['load-balancer', 'gpu-operator', 'mltask']]);
    await reconcileAddons(ctx);
    expect(flows).toHaveLength(1);
  });

  it('is done when every wanted add-on is Healthy at its fingerprint, and shows them in status', async () => {
    const spec = clusterSpecSchema.parse({ provider: 'kwok' });
    const [lb] = resolveAddons(spec).addons;
    const { ctx, flows, conditions, cluster } = harness({}, [
      healthy('load-balancer', lb!.fingerprint),
    ]);
    expect(await reconcileAddons(ctx)).toEqual({ done: true });
    expect(flows).toEqual([]);
    expect(cluster.status.addons).toEqual([
      { name: 'load-balancer', version: '1.1.0', phase: 'Healthy' },
    ]);
    expect(conditions.at(-1)).toMatchObject({ type: 'AddonsReady', ok: true });
  });

  it('removes an add-on the spec no longer wants', async () => {
    const { ctx, flows } = harness({ addons: { 'load-balancer': { enabled: false } } }, [
      healthy('load-balancer', 'old'),
    ]);
    expect(await reconcileAddons(ctx)).toMatchObject({ done: false });
    expect(flows).toEqual([['load-balancer']]);
  });

  it('fails the reconcile naming an add-on that failed for this generation', async () => {
    const { ctx } = harness({}, [
      { ...healthy('load-balancer', 'x'), phase: 'Failed', generation: 3, message: 'bad bytes' },
    ]);
    const error = await reconcileAddons(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as TerminalError).message).toBe('add-on load-balancer failed: bad bytes');
  });

  it('tries again when the failure belongs to an earlier generation', async () => {
    const { ctx, flows } = harness({}, [
      { ...healthy('load-balancer', 'x'), phase: 'Failed', generation: 2, message: 'old' },
    ]);
    expect(await reconcileAddons(ctx)).toMatchObject({ done: false });
    expect(flows).toHaveLength(1);
  });
});
