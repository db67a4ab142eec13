export const MACHINE_PHASES = [
  'Pending',
  'Provisioning',
  'Running',
  'Deleting',
  'Deleted',
  'Failed',
] as const;
export type MachinePhase = (typeof MACHINE_PHASES)[number];

export const MACHINE_ROLES = ['control-plane', 'worker'] as const;
export type MachineRole = (typeof MACHINE_ROLES)[number];

/** A machine that counts towards its pool's replicas. */
export function isLive(phase: MachinePhase): boolean {
  return (
    phase === 'Pending' || phase === 'Provisioning' || phase === 'Running' || phase === 'Failed'
  );
}

/** Deterministic machine name: cluster, pool (or `cp`) and a random suffix, within 63 characters. */
export function machineName(cluster: string, pool: string | undefined, suffix: string): string {
  return `${cluster}-${pool ?? 'cp'}-${suffix}`;
}
