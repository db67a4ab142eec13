import { createHash } from 'node:crypto';
import type {
  V1EndpointSlice,
  V1Ingress,
  V1IngressBackend,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import { findServicePort, membersFor } from './endpoints.js';
import {
  HEALTH_PATH_ANNOTATION,
  IngressReasons,
  type DesiredListener,
  type DesiredLoadBalancer,
  type DesiredPolicy,
  type DesiredPool,
  type DesiredRule,
  type IngressProblem,
  type IngressRef,
  type TlsSecretRef,
} from './ingress-model.js';

/** What the desired state is computed from: the informers' caches. */
export interface ClusterView {
  service(namespace: string, name: string): V1Service | undefined;
  /** The EndpointSlices of one Service. */
  slices(namespace: string, service: string): readonly V1EndpointSlice[];
  pod(namespace: string, name: string): V1Pod | undefined;
}

interface Route {
  host: string;
  path: string;
  exact: boolean;
  pool: string;
  ingress: IngressRef;
}

const refOf = (ingress: V1Ingress): IngressRef => ({
  namespace: ingress.metadata?.namespace ?? 'default',
  name: ingress.metadata?.name ?? '',
});

/** Oldest first, then by name: the order in which Ingresses of a group win conflicts. */
export function byAge(a: V1Ingress, b: V1Ingress): number {
  const ta = new Date(a.metadata?.creationTimestamp ?? 0).getTime();
  const tb = new Date(b.metadata?.creationTimestamp ?? 0).getTime();
  if (ta !== tb) return ta - tb;
  const ka = `${a.metadata?.namespace}/${a.metadata?.name}`;
  const kb = `${b.metadata?.namespace}/${b.metadata?.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** `a.example.com` matches itself; `*.example.com` one more DNS label, as the Ingress API says. */
export function hostRules(host: string): DesiredRule[] {
  if (host === '') return [];
  if (host.startsWith('*.'))
    return [
      { type: 'HOST_NAME', compareType: 'REGEX', value: `^[^.]+${escapeRegex(host.slice(1))}$` },
    ];
  return [{ type: 'HOST_NAME', compareType: 'EQUAL_TO', value: host }];
}

/** Exact paths match themselves; a Prefix matches whole path elements (`/a` matches `/a/b`, not `/ab`). */
export function pathRules(path: string, exact: boolean): DesiredRule[] {
  if (exact) return [{ type: 'PATH', compareType: 'EQUAL_TO', value: path }];
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return [];
  return [{ type: 'PATH', compareType: 'REGEX', value: `^${escapeRegex(trimmed)}(/.*)?$` }];
}

const hostRank = (host: string) => (host === '' ? 2 : host.startsWith('*.') ? 1 : 0);

/** Octavia takes the first policy that matches: specific hosts, exact paths and long prefixes first. */
export function routeOrder(a: Route, b: Route): number {
  return (
    hostRank(a.host) - hostRank(b.host) ||
    Number(a.exact ? 0 : 1) - Number(b.exact ? 0 : 1) ||
    b.path.length - a.path.length ||
    (a.host < b.host ? -1 : a.host > b.host ? 1 : 0) ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  );
}

export function policyName(pool: string, rules: DesiredRule[]): string {
  const digest = createHash('sha256').update(JSON.stringify({ pool, rules })).digest('hex');
  return `kaas-${digest.slice(0, 16)}`;
}

const healthPath = (ingress: V1Ingress) =>
  ingress.metadata?.annotations?.[HEALTH_PATH_ANNOTATION] || '/';

class Builder {
  readonly pools = new Map<string, DesiredPool>();
  readonly problems: IngressProblem[] = [];
  readonly routes: Route[] = [];
  defaultPool: string | undefined;
  private readonly claimed = new Map<string, IngressRef>();

  constructor(private readonly view: ClusterView) {}

  /**
   * The pool for a backend, made on first use and named by the Service port it resolves to, so
   * backends naming one port by name and by number share it. A missing Service or port still
   * gets an empty pool: its routes answer 503 rather than falling through to another backend.
   */
  pool(ingress: V1Ingress, backend: V1IngressBackend | undefined): string | undefined {
    const service = backend?.service;
    if (!service) return undefined;
    const ref = refOf(ingress);
    const port = service.port ?? {};
    const portText = String(port.name || port.number);
    const found = this.view.service(ref.namespace, service.name);
    const servicePort = found ? findServicePort(found, port) : undefined;
    const name = `${ref.namespace}/${service.name}:${servicePort?.port ?? portText}`;
    if (this.pools.has(name)) return name;
    this.pools.set(name, {
      name,
      healthPath: healthPath(ingress),
      members:
        found && servicePort
          ? membersFor(
              found,
              servicePort,
              this.view.slices(ref.namespace, service.name),
              (ns, pod) => this.view.pod(ns, pod),
            )
          : [],
    });
    if (!found)
      this.problem(ref, 'ServiceNotFound', `Service ${ref.namespace}/${service.name} not found`);
    else if (!servicePort)
      this.problem(
        ref,
        'ServicePortNotFound',
        `Service ${ref.namespace}/${service.name} has no port ${portText}`,
      );
    return name;
  }

  route(ingress: V1Ingress, host: string, path: string, exact: boolean, pool: string): void {
    const ref = refOf(ingress);
    const id = `${host} ${exact ? '=' : '^'}${path}`;
    const owner = this.claimed.get(id);
    if (owner && (owner.namespace !== ref.namespace || owner.name !== ref.name)) {
      this.problem(
        ref,
        'RuleConflict',
        `host "${host}" path "${path}" is already routed by Ingress ${owner.namespace}/${owner.name} of the same group`,
      );
      return;
    }
    if (owner) return;
    this.claimed.set(id, ref);
    this.routes.push({ host, path, exact, pool, ingress: ref });
  }

  problem(ingress: IngressRef, reason: keyof typeof IngressReasons, message: string): void {
    this.problems.push({ ingress, reason: IngressReasons[reason], message });
  }
}

function addIngress(builder: Builder, ingress: V1Ingress): void {
  const defaultPool = builder.pool(ingress, ingress.spec?.defaultBackend);
  if (defaultPool) builder.defaultPool ??= defaultPool;
  for (const rule of ingress.spec?.rules ?? []) {
    for (const path of rule.http?.paths ?? []) {
      const pool = builder.pool(ingress, path.backend);
      if (!pool) continue;
      builder.route(ingress, rule.host ?? '', path.path ?? '/', path.pathType === 'Exact', pool);
    }
  }
}

function tlsSecrets(ingresses: readonly V1Ingress[]): TlsSecretRef[] {
  const secrets = new Map<string, TlsSecretRef>();
  for (const ingress of ingresses) {
    const ref = refOf(ingress);
    for (const tls of ingress.spec?.tls ?? []) {
      if (!tls.secretName) continue;
      const id = `${ref.namespace}/${tls.secretName}`;
      const existing = secrets.get(id);
      if (existing) existing.hosts.push(...(tls.hosts ?? []));
      else
        secrets.set(id, {
          namespace: ref.namespace,
          name: tls.secretName,
          hosts: [...(tls.hosts ?? [])],
          owner: ref,
        });
    }
  }
  return [...secrets.values()];
}

/**
 * The load balancer one Ingress (or one group of them) asks for: a pool per Service port with
 * the ready Pod IPs as members, an HTTP listener, an HTTPS one when TLS is configured, and an
 * L7 policy per host and path. Pure: the same cluster gives the same answer.
 */
export function desiredLoadBalancer(
  key: string,
  ingresses: readonly V1Ingress[],
  view: ClusterView,
): DesiredLoadBalancer {
  const ordered = [...ingresses].sort(byAge);
  const builder = new Builder(view);
  for (const ingress of ordered) addIngress(builder, ingress);
  const policies: DesiredPolicy[] = [];
  for (const route of [...builder.routes].sort(routeOrder)) {
    const rules = [...hostRules(route.host), ...pathRules(route.path, route.exact)];
    // A rule without conditions matches everything: it is the listener's default.
    if (rules.length === 0) {
      builder.defaultPool ??= route.pool;
      continue;
    }
    const name = policyName(route.pool, rules);
    if (!policies.some((p) => p.name === name)) policies.push({ name, pool: route.pool, rules });
  }
  const base = builder.defaultPool ? { defaultPool: builder.defaultPool } : {};
  const listeners: DesiredListener[] = [
    { name: 'http', protocol: 'HTTP', port: 80, policies, ...base },
  ];
  const tls = tlsSecrets(ordered);
  if (tls.length > 0)
    listeners.push({
      name: 'https',
      protocol: 'TERMINATED_HTTPS',
      port: 443,
      policies,
      tls,
      ...base,
    });
  return {
    key,
    ingresses: ordered.map(refOf),
    listeners,
    pools: [...builder.pools.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    problems: builder.problems,
  };
}
