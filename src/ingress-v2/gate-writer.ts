import {
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Api,
  type V1Pod,
} from '@kubernetes/client-node';
import { isNotFound } from '../kube/kube-errors.js';
import { hasMemberGate } from './endpoints.js';
import type { ObservedMember } from './pool-sync.js';
import {
  combineVerdicts,
  gateCondition,
  gateVerdicts,
  type GateVerdict,
} from './readiness-gates.js';

/**
 * Writes the readiness-gate condition of pods behind Ingress v2 load balancers. Verdicts are
 * kept per load balancer, so a pod behind two is admitted only when both admitted it.
 */
export class ReadinessGateWriter {
  private readonly byKey = new Map<string, Map<string, GateVerdict>>();

  constructor(
    private readonly core: CoreV1Api,
    private readonly pod: (namespace: string, name: string) => V1Pod | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records this load balancer's verdicts and patches pods; answers how many gated pods wait. */
  async update(key: string, members: readonly ObservedMember[]): Promise<number> {
    const verdicts = gateVerdicts(members);
    const touched = new Set([...(this.byKey.get(key)?.keys() ?? []), ...verdicts.keys()]);
    if (verdicts.size > 0) this.byKey.set(key, verdicts);
    else this.byKey.delete(key);
    let waiting = 0;
    for (const id of touched) {
      const [namespace, name] = id.split('/') as [string, string];
      const pod = this.pod(namespace, name);
      if (!pod || !hasMemberGate(pod)) continue;
      const verdict = combineVerdicts(
        [...this.byKey.values()].flatMap((v) => (v.has(id) ? [v.get(id)!] : [])),
      );
      if (!verdict) continue;
      if (!verdict.admitted) waiting++;
      const condition = gateCondition(pod, verdict, this.now());
      if (condition) await this.patch(namespace, name, condition);
    }
    return waiting;
  }

  private async patch(namespace: string, name: string, condition: object): Promise<void> {
    try {
      await this.core.patchNamespacedPodStatus(
        { namespace, name, body: { status: { conditions: [condition] } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
