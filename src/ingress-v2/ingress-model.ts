/** Names shared by every part of the Ingress v2 controller, each defined once. */
import { ingressV2ClusterTag } from '../providers/openstack/names.js';

/** The IngressClass `spec.controller` this controller serves. */
export const CONTROLLER_NAME = 'kaas.dev/ingress-v2';
/** Ingresses with the same value of this annotation share one load balancer. */
export const GROUP_ANNOTATION = 'ingress.kaas.dev/group';
/** The path an HTTP health monitor asks for; `/` when absent. */
export const HEALTH_PATH_ANNOTATION = 'ingress.kaas.dev/health-check-path';
/** The readiness gate pods behind an Ingress v2 carry. */
export const MEMBER_CONDITION = 'ingress.kaas.dev/load-balancer-member';
/** Marks the IngressClass that Ingresses without a class get. */
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/**
 * Octavia tags: every load balancer carries both, so garbage collection can find it. The
 * cluster tag is shared with kaas's cluster teardown, which deletes what the controller left.
 */
export const clusterTag = ingressV2ClusterTag;
export const keyTag = (key: string) => `kaas-ingress=${key}`;
export const KEY_TAG_PREFIX = 'kaas-ingress=';

/** Reasons of the Events the controller records on Ingresses; one line each. */
export const IngressReasons = {
  /** A backend names a Service that does not exist. */
  ServiceNotFound: 'ServiceNotFound',
  /** A backend names a port the Service does not have. */
  ServicePortNotFound: 'ServicePortNotFound',
  /** A TLS Secret is missing or holds no usable certificate and key. */
  InvalidTLSSecret: 'InvalidTLSSecret',
  /** TLS is asked for but the cloud has no key manager (Barbican) to hold the certificate. */
  TLSUnavailable: 'TLSUnavailable',
  /** Two Ingresses of one group route the same host and path; the first keeps it. */
  RuleConflict: 'RuleConflict',
  /** The project's load-balancer quota is used up. */
  QuotaExceeded: 'QuotaExceeded',
  /** Octavia refused or failed a change; the message quotes it. Retried with backoff. */
  LoadBalancerError: 'LoadBalancerError',
  /** The load balancer matches the Ingress; the message gives its address. */
  LoadBalancerReady: 'LoadBalancerReady',
} as const;
export type IngressReason = (typeof IngressReasons)[keyof typeof IngressReasons];

/** Reasons on the readiness-gate condition of a pod. */
export const MemberReasons = {
  /** Every Octavia member of the pod reports ONLINE (or NO_MONITOR: nothing checks it). */
  MemberAdmitted: 'LoadBalancerMemberAdmitted',
  /** A member of the pod is not admitted yet; the message says which and its status. */
  MemberNotAdmitted: 'LoadBalancerMemberNotAdmitted',
} as const;

export interface IngressRef {
  namespace: string;
  name: string;
}

/** Something wrong with one Ingress that an Event explains. */
export interface IngressProblem {
  ingress: IngressRef;
  reason: IngressReason;
  message: string;
}

export type RuleType = 'HOST_NAME' | 'PATH';
export type CompareType = 'EQUAL_TO' | 'STARTS_WITH' | 'ENDS_WITH' | 'REGEX';

export interface DesiredRule {
  type: RuleType;
  compareType: CompareType;
  value: string;
}

/** One L7 policy: traffic matching all rules goes to the pool. Order is Octavia's position. */
export interface DesiredPolicy {
  /** Derived from pool and rules: a changed rule is a new policy. */
  name: string;
  pool: string;
  rules: DesiredRule[];
}

export interface DesiredMember {
  address: string;
  port: number;
  /** `<namespace>/<pod>`, or the address when the endpoint names no pod. */
  name: string;
  pod?: IngressRef;
}

export interface DesiredPool {
  /** `<namespace>/<service>:<port>`. */
  name: string;
  healthPath: string;
  members: DesiredMember[];
}

export interface TlsSecretRef extends IngressRef {
  hosts: string[];
  /** The first Ingress that named the Secret: where a problem with it is reported. */
  owner: IngressRef;
}

export interface DesiredListener {
  name: 'http' | 'https';
  protocol: 'HTTP' | 'TERMINATED_HTTPS';
  port: number;
  defaultPool?: string;
  policies: DesiredPolicy[];
  /** HTTPS only: the Secrets whose certificates it serves, the first one by default. */
  tls?: TlsSecretRef[];
}

/** What one load balancer should look like, computed from the cluster alone. */
export interface DesiredLoadBalancer {
  key: string;
  ingresses: IngressRef[];
  listeners: DesiredListener[];
  pools: DesiredPool[];
  problems: IngressProblem[];
}
