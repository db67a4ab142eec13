import type { MachineRecord } from '../../../persistence/records.js';
import type { ReconcileContext } from '../reconcile-context.js';

const WATCHED = new Set(['Provisioning', 'Running']);

/**
 * Between operations: asks the provider once for every machine of the cluster and records
 * those it reports failed (a server an operator or the cloud put into ERROR). Recording is all
 * this does; replacing them is the health monitor's decision, under the repair policy. Answers
 * the machines newly found failed. A provider that cannot be asked now is asked next time.
 */
export async function observeMachineFailures(ctx: ReconcileContext): Promise<MachineRecord[]> {
  const watched = ctx.existing.filter((m) => WATCHED.has(m.phase) && m.providerId);
  if (watched.length === 0) return [];
  let observed;
  try {
    observed = new Map((await ctx.provider.listMachines(ctx.ref)).map((m) => [m.name, m]));
  } catch {
    return [];
  }
  const failed: MachineRecord[] = [];
  for (const machine of watched) {
    const seen = observed.get(machine.name);
    if (seen?.state !== 'failed') continue;
    const failureReason = seen.failureReason ?? 'the provider gives no reason';
    await ctx.machines.update(machine.id, { phase: 'Failed', failureReason });
    const updated: MachineRecord = { ...machine, phase: 'Failed', failureReason };
    ctx.existing = ctx.existing.map((m) => (m.id === machine.id ? updated : m));
    ctx.recordEvent('Warning', 'MachineFailed', `machine ${machine.name} failed: ${failureReason}`);
    failed.push(updated);
  }
  return failed;
}
