import type { CoreV1Api, V1Ingress, V1Secret } from '@kubernetes/client-node';
import { isNotFound } from '../kube/kube-errors.js';
import { refId } from '../providers/openstack/barbican.js';
import type { OctaviaClient } from '../providers/openstack/octavia.js';
import { OpenStackReasons, toReconcileError } from '../providers/openstack/errors.js';
import { TerminalError } from '../domain/errors.js';
import { desiredLoadBalancer, type ClusterView } from './desired-state.js';
import {
  IngressReasons,
  type DesiredListener,
  type DesiredLoadBalancer,
  type IngressProblem,
} from './ingress-model.js';
import type { IngressReporter } from './ingress-status.js';
import { LoadBalancerChanges, type ChangeTiming, DEFAULT_TIMING } from './lb-changes.js';
import type { LoadBalancerLifecycle } from './lb-lifecycle.js';
import type { ListenerCertificates } from './listener-sync.js';
import { syncLoadBalancer } from './octavia-sync.js';
import type { ObservedMember } from './pool-sync.js';
import { readTlsSecret, type TlsCertificateStore } from './tls-certificates.js';

export interface ReconcilerDeps {
  octavia: OctaviaClient;
  lifecycle: LoadBalancerLifecycle;
  reporter: IngressReporter;
  core: CoreV1Api;
  tls: TlsCertificateStore;
  /** Whether the cloud has a key manager; without one TLS Ingresses are served on HTTP only. */
  keyManagerAvailable: () => Promise<boolean>;
  memberSubnetId?: string;
  timing?: ChangeTiming;
}

/** What one reconcile of a key did, for logs and tests. */
export interface ReconcileResult {
  key: string;
  /** Octavia changes made; 0 when the load balancer already matched. */
  changes: number;
  /** What each change was, in order. */
  actions: string[];
  deleted: boolean;
  address?: string;
  members: ObservedMember[];
}

interface Certificates {
  https?: ListenerCertificates;
  inUse: Set<string>;
}

/**
 * One reconcile of one load balancer key, in fixed phases: desired state from the caches →
 * TLS certificates → load balancer → its contents → address and Events. With no Ingress left
 * for the key, everything made for it is deleted.
 */
export class IngressReconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  async reconcile(
    key: string,
    ingresses: readonly V1Ingress[],
    view: ClusterView,
  ): Promise<ReconcileResult> {
    if (ingresses.length === 0) {
      const removed = await this.deps.lifecycle.teardown(key);
      if (await this.deps.keyManagerAvailable()) await this.deps.tls.prune(key, new Set());
      return { key, changes: removed, actions: [], deleted: true, members: [] };
    }
    const desired = desiredLoadBalancer(key, ingresses, view);
    const problems = [...desired.problems];
    try {
      const certificates = await this.certificates(desired, problems);
      const lb = await this.deps.lifecycle.ensure(key);
      const changes = new LoadBalancerChanges(
        this.deps.octavia,
        lb.id,
        this.deps.timing ?? DEFAULT_TIMING,
      );
      const members = await syncLoadBalancer(
        changes,
        desired,
        (l: DesiredListener) => (l.name === 'https' ? certificates.https : undefined),
        this.deps.memberSubnetId,
      );
      if (desired.listeners.some((l) => l.tls) && (await this.deps.keyManagerAvailable()))
        await this.deps.tls.prune(key, certificates.inUse);
      const address = await this.deps.lifecycle.ensureAddress(lb, key);
      await this.report(ingresses, problems, address);
      return {
        key,
        changes: changes.count,
        actions: changes.log,
        deleted: false,
        address,
        members,
      };
    } catch (error) {
      await this.reportFailure(ingresses, problems, error);
      throw error;
    }
  }

  /** Barbican containers for the HTTPS listener; without a usable one it is left out. */
  private async certificates(
    desired: DesiredLoadBalancer,
    problems: IngressProblem[],
  ): Promise<Certificates> {
    const https = desired.listeners.find((l) => l.name === 'https');
    if (!https?.tls) return { inUse: new Set() };
    const drop = () => desired.listeners.splice(desired.listeners.indexOf(https), 1);
    if (!(await this.deps.keyManagerAvailable())) {
      for (const ref of https.tls)
        problems.push({
          ingress: ref.owner,
          reason: IngressReasons.TLSUnavailable,
          message: `TLS with Secret ${ref.name} needs a key manager (Barbican) and the cloud has none: serving HTTP only`,
        });
      drop();
      return { inUse: new Set() };
    }
    const refs: string[] = [];
    for (const ref of https.tls) {
      const reading = readTlsSecret(ref, await this.readSecret(ref.namespace, ref.name));
      if (!reading.ok) {
        problems.push({
          ingress: ref.owner,
          reason: IngressReasons.InvalidTLSSecret,
          message: reading.problem,
        });
        continue;
      }
      refs.push(await this.deps.tls.ensure(desired.key, reading.fingerprint, reading.material));
    }
    if (refs.length === 0) {
      drop();
      return { inUse: new Set() };
    }
    return {
      https: { defaultRef: refs[0]!, sniRefs: refs.slice(1) },
      inUse: new Set(refs.map(refId)),
    };
  }

  private async readSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await this.deps.core.readNamespacedSecret({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async report(
    ingresses: readonly V1Ingress[],
    problems: readonly IngressProblem[],
    address: string,
  ): Promise<void> {
    const { reporter } = this.deps;
    for (const problem of problems)
      await reporter.event(
        uidOf(ingresses, problem.ingress),
        'Warning',
        problem.reason,
        problem.message,
      );
    for (const ingress of ingresses) {
      await reporter.publishAddress(ingress, address);
      await reporter.event(
        uidOf(ingresses, {
          namespace: ingress.metadata!.namespace!,
          name: ingress.metadata!.name!,
        }),
        'Normal',
        IngressReasons.LoadBalancerReady,
        `load balancer at ${address}`,
      );
    }
  }

  private async reportFailure(
    ingresses: readonly V1Ingress[],
    problems: readonly IngressProblem[],
    error: unknown,
  ): Promise<void> {
    const mapped = toReconcileError(error);
    const quota =
      mapped instanceof TerminalError && mapped.reason === OpenStackReasons.QuotaExceeded;
    const reason = quota ? IngressReasons.QuotaExceeded : IngressReasons.LoadBalancerError;
    const message = mapped instanceof Error ? mapped.message : String(mapped);
    for (const problem of problems)
      await this.deps.reporter.event(
        uidOf(ingresses, problem.ingress),
        'Warning',
        problem.reason,
        problem.message,
      );
    for (const ingress of ingresses)
      await this.deps.reporter.event(
        uidOf(ingresses, {
          namespace: ingress.metadata!.namespace!,
          name: ingress.metadata!.name!,
        }),
        'Warning',
        reason,
        message,
      );
  }
}

function uidOf(
  ingresses: readonly V1Ingress[],
  ref: { namespace: string; name: string },
): { namespace: string; name: string; uid?: string } {
  const uid = ingresses.find(
    (i) => i.metadata?.namespace === ref.namespace && i.metadata?.name === ref.name,
  )?.metadata?.uid;
  return uid ? { ...ref, uid } : ref;
}
