import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { MEMBER_CONDITION, MemberReasons, type IngressRef } from './ingress-model.js';
import type { ObservedMember } from './pool-sync.js';

/**
 * Whether Octavia admitted a member: ONLINE (its health monitor passes) or NO_MONITOR (nothing
 * checks it, so Octavia sends traffic). OFFLINE, ERROR, DRAINING and anything else is not.
 */
export function memberAdmitted(operatingStatus: string): boolean {
  return operatingStatus === 'ONLINE' || operatingStatus === 'NO_MONITOR';
}

export interface GateVerdict {
  admitted: boolean;
  message: string;
}

export const podKey = (pod: IngressRef) => `${pod.namespace}/${pod.name}`;

/** One verdict per pod of one load balancer: admitted only when all of the pod's members are. */
export function gateVerdicts(members: readonly ObservedMember[]): Map<string, GateVerdict> {
  const verdicts = new Map<string, GateVerdict>();
  for (const member of members) {
    if (!member.pod) continue;
    const key = podKey(member.pod);
    const previous = verdicts.get(key);
    if (previous && !previous.admitted) continue;
    const admitted = memberAdmitted(member.operatingStatus);
    verdicts.set(key, {
      admitted,
      message: admitted
        ? `load balancer member ${member.address}:${member.port} of pool ${member.pool} is ${member.operatingStatus}`
        : `waiting for load balancer member ${member.address}:${member.port} of pool ${member.pool}: ${member.operatingStatus}`,
    });
  }
  return verdicts;
}

/** A pod behind several load balancers is admitted when every one of them admitted it. */
export function combineVerdicts(verdicts: readonly GateVerdict[]): GateVerdict | undefined {
  if (verdicts.length === 0) return undefined;
  return verdicts.find((v) => !v.admitted) ?? verdicts[0];
}

/** The condition to write on the pod, or undefined when it already says the same. */
export function gateCondition(
  pod: V1Pod,
  verdict: GateVerdict,
  now: Date = new Date(),
): V1PodCondition | undefined {
  const status = verdict.admitted ? 'True' : 'False';
  const current = (pod.status?.conditions ?? []).find((c) => c.type === MEMBER_CONDITION);
  if (current?.status === status && current.message === verdict.message) return undefined;
  return {
    type: MEMBER_CONDITION,
    status,
    reason: verdict.admitted ? MemberReasons.MemberAdmitted : MemberReasons.MemberNotAdmitted,
    message: verdict.message,
    lastTransitionTime:
      current?.status === status && current.lastTransitionTime ? current.lastTransitionTime : now,
  };
}
