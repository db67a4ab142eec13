import {
  operationProgress,
  type OperationStatus,
  type OperationType,
  type StepStatus,
} from '../domain/operation.js';
import type { MachinePhase, MachineRole } from '../domain/machine.js';
import type { Role } from '../auth/principal.js';
import type {
  ApiTokenRecord,
  AuditRecord,
  ClusterRecord,
  MachineRecord,
  ProjectRecord,
} from '../persistence/records.js';
import type { OperationWithSteps } from '../persistence/operations.repository.js';
import type { ClusterView, MachineView, OperationView, ProjectView, TokenView } from './schemas.js';

/** Maps records to what the API shows; absent values are left out rather than null. */
const iso = (d: Date) => d.toISOString();
const opt = <K extends string, V>(key: K, value: V | null | undefined) =>
  (value === null || value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

export function clusterView(cluster: ClusterRecord, projectName: string): ClusterView {
  return {
    id: cluster.id,
    name: cluster.name,
    project: projectName,
    generation: cluster.generation,
    resourceVersion: String(cluster.resourceVersion),
    createdAt: iso(cluster.createdAt),
    updatedAt: iso(cluster.updatedAt),
    ...opt('deletionRequestedAt', cluster.deletionRequestedAt && iso(cluster.deletionRequestedAt)),
    spec: cluster.spec,
    status: { ...cluster.status, observedGeneration: cluster.observedGeneration },
  };
}

export function operationView(
  { operation, steps }: OperationWithSteps,
  projectName: string,
): OperationView {
  const stepViews = steps.map((s) => ({
    name: s.name,
    description: s.description,
    status: s.status as StepStatus,
    done: s.done,
    total: s.total,
    ...opt('message', s.message),
    ...opt('startedAt', s.startedAt && iso(s.startedAt)),
    ...opt('finishedAt', s.finishedAt && iso(s.finishedAt)),
  }));
  return {
    id: operation.id,
    project: projectName,
    type: operation.type as OperationType,
    status: operation.status as OperationStatus,
    clusterId: operation.clusterId,
    clusterName: operation.clusterName,
    targetGeneration: operation.targetGeneration,
    progress: operation.status === 'Succeeded' ? 100 : operationProgress(stepViews),
    steps: stepViews,
    ...opt('error', operation.error),
    ...opt(
      'lastError',
      operation.status === 'Running' || operation.status === 'Pending' ? operation.lastError : null,
    ),
    attempts: operation.attempts,
    ...opt('requestedBy', operation.requestedBy),
    createdAt: iso(operation.createdAt),
    ...opt('startedAt', operation.startedAt && iso(operation.startedAt)),
    updatedAt: iso(operation.updatedAt),
    ...opt('finishedAt', operation.finishedAt && iso(operation.finishedAt)),
  };
}

export function machineView(machine: MachineRecord): MachineView {
  return {
    id: machine.id,
    name: machine.name,
    role: machine.role as MachineRole,
    ...opt('pool', machine.pool),
    phase: machine.phase as MachinePhase,
    ...opt('providerId', machine.providerId),
    ...opt('nodeName', machine.nodeName),
    version: machine.version,
    ...opt('failureReason', machine.failureReason),
    createdAt: iso(machine.createdAt),
    updatedAt: iso(machine.updatedAt),
  };
}

export function projectView(project: ProjectRecord): ProjectView {
  return {
    id: project.id,
    name: project.name,
    displayName: project.displayName,
    quotas: { clusters: project.quotaClusters, nodes: project.quotaNodes },
    createdAt: iso(project.createdAt),
  };
}

export function tokenView(token: ApiTokenRecord): TokenView {
  return {
    id: token.id,
    name: token.name,
    role: token.role as Role,
    prefix: token.prefix,
    createdAt: iso(token.createdAt),
    ...opt('expiresAt', token.expiresAt && iso(token.expiresAt)),
    ...opt('lastUsedAt', token.lastUsedAt && iso(token.lastUsedAt)),
  };
}

export function auditView(record: AuditRecord) {
  return {
    id: record.id,
    at: iso(record.at),
    ...opt('tokenId', record.tokenId),
    method: record.method,
    path: record.path,
    ...opt('action', record.action),
    statusCode: record.statusCode,
    outcome: record.outcome as 'success' | 'denied' | 'failure',
    ...opt('requestId', record.requestId),
  };
}
