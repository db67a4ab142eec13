import type {
  OctaviaL7Policy,
  OctaviaListener,
  OctaviaPool,
} from '../providers/openstack/octavia.js';
import type { DesiredListener, DesiredPolicy, DesiredRule } from './ingress-model.js';
import type { LoadBalancerChanges } from './lb-changes.js';

/** The Barbican references a TERMINATED_HTTPS listener serves: the default one and the SNI ones. */
export interface ListenerCertificates {
  defaultRef: string;
  sniRefs: string[];
}

function listenerAttributes(
  desired: DesiredListener,
  pools: Map<string, OctaviaPool>,
  certificates: ListenerCertificates | undefined,
): Record<string, unknown> {
  return {
    default_pool_id: (desired.defaultPool && pools.get(desired.defaultPool)?.id) || null,
    ...(certificates
      ? {
          default_tls_container_ref: certificates.defaultRef,
          sni_container_refs: certificates.sniRefs,
        }
      : {}),
  };
}

function listenerDiffers(observed: OctaviaListener, attributes: Record<string, unknown>): boolean {
  if ((observed.default_pool_id ?? null) !== attributes.default_pool_id) return true;
  if (!('default_tls_container_ref' in attributes)) return false;
  const sni = [...(observed.sni_container_refs ?? [])].sort().join(',');
  return (
    (observed.default_tls_container_ref ?? null) !== attributes.default_tls_container_ref ||
    sni !== [...(attributes.sni_container_refs as string[])].sort().join(',')
  );
}

/**
 * Listeners by name: created when missing, re-created when protocol or port changed, updated
 * when the default pool or the certificates changed; listeners nobody asks for are deleted.
 */
export async function ensureListeners(
  changes: LoadBalancerChanges,
  desired: readonly DesiredListener[],
  pools: Map<string, OctaviaPool>,
  certificates: (listener: DesiredListener) => ListenerCertificates | undefined,
): Promise<Map<string, OctaviaListener>> {
  const { octavia, loadBalancerId } = changes;
  const observed = await octavia.listListeners(loadBalancerId);
  const result = new Map<string, OctaviaListener>();
  for (const listener of observed) {
    const wanted = desired.find((d) => d.name === listener.name);
    if (wanted && wanted.protocol === listener.protocol && wanted.port === listener.protocol_port)
      continue;
    await changes.change(`delete listener ${listener.name}`, () =>
      octavia.deleteListener(listener.id),
    );
  }
  const kept = new Map(
    (await octavia.listListeners(loadBalancerId)).map((l) => [l.name, l] as const),
  );
  for (const listener of desired) {
    const attributes = listenerAttributes(listener, pools, certificates(listener));
    const existing = kept.get(listener.name);
    if (!existing) {
      const created = await changes.change(`create listener ${listener.name}`, () =>
        octavia.createListener({
          loadbalancer_id: loadBalancerId,
          name: listener.name,
          protocol: listener.protocol,
          protocol_port: listener.port,
          insert_headers: { 'X-Forwarded-For': 'true', 'X-Forwarded-Port': 'true' },
          ...attributes,
        }),
      );
      result.set(listener.name, created);
    } else if (listenerDiffers(existing, attributes)) {
      result.set(
        listener.name,
        await changes.change(`update listener ${listener.name}`, () =>
          octavia.updateListener(existing.id, attributes),
        ),
      );
    } else result.set(listener.name, existing);
  }
  return result;
}

const ruleKey = (r: { type: string; compareType: string; value: string }) =>
  `${r.type} ${r.compareType} ${r.value}`;

async function policyMatches(
  changes: LoadBalancerChanges,
  observed: OctaviaL7Policy,
  desired: DesiredPolicy,
  poolId: string | undefined,
): Promise<boolean> {
  if (observed.action !== 'REDIRECT_TO_POOL' || observed.redirect_pool_id !== poolId) return false;
  if (observed.rules.length !== desired.rules.length) return false;
  const rules = await changes.octavia.listL7Rules(observed.id);
  const have = rules
    .filter((r) => !r.invert)
    .map((r) => ruleKey({ type: r.type, compareType: r.compare_type, value: r.value }))
    .sort();
  const want = desired.rules.map(ruleKey).sort();
  return have.length === want.length && have.every((k, i) => k === want[i]);
}

async function createPolicy(
  changes: LoadBalancerChanges,
  listener: OctaviaListener,
  desired: DesiredPolicy,
  poolId: string,
  position: number,
): Promise<void> {
  const policy = await changes.change(`create policy ${desired.name} on ${listener.name}`, () =>
    changes.octavia.createL7Policy({
      listener_id: listener.id,
      name: desired.name,
      action: 'REDIRECT_TO_POOL',
      redirect_pool_id: poolId,
      position,
    }),
  );
  for (const rule of desired.rules)
    await changes.change(`add rule ${ruleKey(rule)} to ${desired.name}`, () =>
      changes.octavia.createL7Rule(policy.id, ruleAttributes(rule)),
    );
}

const ruleAttributes = (rule: DesiredRule) => ({
  type: rule.type,
  compare_type: rule.compareType,
  value: rule.value,
});

/**
 * The listener's L7 policies become the desired ones in the desired order. A policy whose
 * pool or rules differ is replaced, so a half-made policy (rules missing after a crash) is too.
 */
export async function ensurePolicies(
  changes: LoadBalancerChanges,
  listener: OctaviaListener,
  desired: readonly DesiredPolicy[],
  pools: Map<string, OctaviaPool>,
): Promise<void> {
  const { octavia } = changes;
  const kept = new Set<string>();
  for (const observed of await octavia.listL7Policies(listener.id)) {
    const wanted = desired.find((d) => d.name === observed.name);
    const poolId = wanted && pools.get(wanted.pool)?.id;
    if (
      wanted &&
      !kept.has(wanted.name) &&
      (await policyMatches(changes, observed, wanted, poolId))
    ) {
      kept.add(wanted.name);
      continue;
    }
    await changes.change(`delete policy ${observed.name} on ${listener.name}`, () =>
      octavia.deleteL7Policy(observed.id),
    );
  }
  for (const [index, policy] of desired.entries()) {
    const poolId = pools.get(policy.pool)?.id;
    if (kept.has(policy.name) || !poolId) continue;
    await createPolicy(changes, listener, policy, poolId, index + 1);
  }
  await orderPolicies(changes, listener, desired);
}

/** Moving each policy to its place in ascending order leaves the ones before it alone. */
async function orderPolicies(
  changes: LoadBalancerChanges,
  listener: OctaviaListener,
  desired: readonly DesiredPolicy[],
): Promise<void> {
  let current = await changes.octavia.listL7Policies(listener.id);
  for (const [index, policy] of desired.entries()) {
    const found = current.find((p) => p.name === policy.name);
    if (!found || found.position === index + 1) continue;
    await changes.change(`move policy ${policy.name} to ${index + 1}`, () =>
      changes.octavia.updateL7Policy(found.id, { position: index + 1 }),
    );
    current = await changes.octavia.listL7Policies(listener.id);
  }
}
