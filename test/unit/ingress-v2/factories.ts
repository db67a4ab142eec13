import type { V1EndpointSlice, V1Ingress, V1Pod, V1Service } from '@kubernetes/client-node';
import type { ClusterView } from '../../../src/ingress-v2/desired-state.js';
import { MEMBER_CONDITION } from '../../../src/ingress-v2/ingress-model.js';

export const NS = 'shop';

export function service(name: string, ports: { name?: string; port: number }[]): V1Service {
  return { metadata: { name, namespace: NS }, spec: { ports } };
}

export interface EndpointSpec {
  ip: string;
  pod: string;
  ready?: boolean;
  terminating?: boolean;
}

export function slice(
  serviceName: string,
  ports: { name?: string; port: number }[],
  endpoints: EndpointSpec[],
  name = `${serviceName}-${Math.random().toString(36).slice(2, 7)}`,
): V1EndpointSlice {
  return {
    metadata: { name, namespace: NS, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    ports: ports.map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: p.port,
      protocol: 'TCP',
    })),
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: {
        ...(e.ready === undefined ? {} : { ready: e.ready }),
        ...(e.terminating ? { terminating: true } : {}),
      },
      targetRef: { kind: 'Pod', name: e.pod, namespace: NS },
    })),
  };
}

export function pod(
  name: string,
  options: {
    gated?: boolean;
    containersReady?: boolean;
    gate?: 'True' | 'False';
    message?: string;
  } = {},
): V1Pod {
  const conditions = [
    { type: 'ContainersReady', status: options.containersReady === false ? 'False' : 'True' },
    ...(options.gate
      ? [{ type: MEMBER_CONDITION, status: options.gate, message: options.message ?? '' }]
      : []),
  ];
  return {
    metadata: { name, namespace: NS },
    spec: {
      containers: [{ name: 'app' }],
      ...(options.gated ? { readinessGates: [{ conditionType: MEMBER_CONDITION }] } : {}),
    },
    status: { conditions },
  };
}

export function ingress(
  name: string,
  spec: V1Ingress['spec'],
  options: { annotations?: Record<string, string>; created?: string } = {},
): V1Ingress {
  return {
    metadata: {
      name,
      namespace: NS,
      creationTimestamp: new Date(options.created ?? '2026-11-29T07:00:00Z'),
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    spec: { ingressClassName: 'kaas-v2', ...spec },
  };
}

export const backend = (name: string, port: number | string) => ({
  service: { name, port: typeof port === 'number' ? { number: port } : { name: port } },
});

export function view(objects: {
  services?: V1Service[];
  slices?: V1EndpointSlice[];
  pods?: V1Pod[];
}): ClusterView {
  return {
    service: (ns, name) =>
      objects.services?.find((s) => s.metadata?.namespace === ns && s.metadata.name === name),
    slices: (ns, name) =>
      (objects.slices ?? []).filter(
        (s) =>
          s.metadata?.namespace === ns &&
          s.metadata.labels?.['kubernetes.io/service-name'] === name,
      ),
    pod: (ns, name) =>
      objects.pods?.find((p) => p.metadata?.namespace === ns && p.metadata.name === name),
  };
}
