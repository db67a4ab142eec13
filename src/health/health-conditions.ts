import type { ShortCircuit } from './repair-policy.js';

/** The condition the health monitor adds to a cluster's view; the reconciler never writes it. */
export const HealthConditionTypes = {
  /** False while automatic repair is short-circuited because too much of the cluster is unhealthy. */
  RemediationAllowed: 'RemediationAllowed',
} as const;

export const HealthConditionReasons = {
  /** More machines are unhealthy than spec.autoRepair.maxUnhealthyPercent allows. */
  TooManyUnhealthy: 'TooManyUnhealthy',
} as const;

export interface HealthCondition {
  type: (typeof HealthConditionTypes)[keyof typeof HealthConditionTypes];
  status: 'False';
  reason: (typeof HealthConditionReasons)[keyof typeof HealthConditionReasons];
  message: string;
  lastTransitionTime: string;
  observedGeneration: number;
}

export function shortCircuitMessage(s: ShortCircuit): string {
  return (
    `${s.unhealthy} of ${s.total} machines are unhealthy or not Ready, more than the ${s.maxUnhealthyPercent}% ` +
    'auto-repair allows: no machine is repaired automatically until fewer are unhealthy'
  );
}

export function shortCircuitCondition(
  stored: ShortCircuit & { since: string },
  observedGeneration: number,
): HealthCondition {
  return {
    type: HealthConditionTypes.RemediationAllowed,
    status: 'False',
    reason: HealthConditionReasons.TooManyUnhealthy,
    message: shortCircuitMessage(stored),
    lastTransitionTime: stored.since,
    observedGeneration,
  };
}
