import type {
  V1Endpoint,
  V1EndpointSlice,
  V1Pod,
  V1Service,
  V1ServicePort,
} from '@kubernetes/client-node';
import { MEMBER_CONDITION, type DesiredMember } from './ingress-model.js';

/** The label the EndpointSlice controller puts on every slice of a Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** A backend's `service.port`: a number or the name of a Service port. */
export type BackendPort = { number?: number; name?: string };

export function findServicePort(service: V1Service, port: BackendPort): V1ServicePort | undefined {
  return (service.spec?.ports ?? []).find((p) =>
    port.name !== undefined && port.name !== '' ? p.name === port.name : p.port === port.number,
  );
}

/** True when the pod carries the Ingress v2 readiness gate. */
export function hasMemberGate(pod: V1Pod | undefined): boolean {
  return (pod?.spec?.readinessGates ?? []).some((g) => g.conditionType === MEMBER_CONDITION);
}

function containersReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some(
    (c) => c.type === 'ContainersReady' && c.status === 'True',
  );
}

/**
 * Whether an endpoint takes traffic. A ready endpoint does. So does one that is not Ready only
 * because its pod waits for our readiness gate: its containers are ready and it is not
 * terminating. Without this, a gated pod could never become a member, hence never Ready.
 */
export function endpointServes(endpoint: V1Endpoint, pod: V1Pod | undefined): boolean {
  const conditions = endpoint.conditions ?? {};
  if (conditions.terminating === true) return false;
  if (conditions.ready !== false) return true;
  return (
    pod !== undefined &&
    hasMemberGate(pod) &&
    containersReady(pod) &&
    !pod.metadata?.deletionTimestamp
  );
}

function sliceMembers(
  slice: V1EndpointSlice,
  namespace: string,
  port: number,
  podByName: (namespace: string, name: string) => V1Pod | undefined,
): DesiredMember[] {
  const found: DesiredMember[] = [];
  for (const endpoint of slice.endpoints ?? []) {
    const ref = endpoint.targetRef?.kind === 'Pod' ? endpoint.targetRef : undefined;
    const podRef = ref?.name
      ? { namespace: ref.namespace ?? namespace, name: ref.name }
      : undefined;
    const pod = podRef ? podByName(podRef.namespace, podRef.name) : undefined;
    if (!endpointServes(endpoint, pod)) continue;
    for (const address of endpoint.addresses)
      found.push({
        address,
        port,
        name: podRef ? `${podRef.namespace}/${podRef.name}` : address,
        ...(podRef ? { pod: podRef } : {}),
      });
  }
  return found;
}

/**
 * The members behind one Service port: the serving endpoints of all the Service's slices, with
 * the slice's port (the resolved targetPort), de-duplicated by address and port (a pod may
 * appear in two slices while the EndpointSlice controller moves it).
 */
export function membersFor(
  service: V1Service,
  servicePort: V1ServicePort,
  slices: readonly V1EndpointSlice[],
  podByName: (namespace: string, name: string) => V1Pod | undefined,
): DesiredMember[] {
  const namespace = service.metadata?.namespace ?? '';
  const wantedName = servicePort.name ?? '';
  const members = new Map<string, DesiredMember>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === wantedName)?.port;
    if (port === undefined) continue;
    for (const member of sliceMembers(slice, namespace, port, podByName)) {
      const id = `${member.address}:${member.port}`;
      if (!members.has(id)) members.set(id, member);
    }
  }
  return [...members.values()].sort((a, b) =>
    a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1,
  );
}
