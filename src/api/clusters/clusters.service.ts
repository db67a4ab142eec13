import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Config } from '../../config/config.js';
import { clusterSpecSchema, initialStatus, type ClusterSpec } from '../../domain/cluster.js';
import {
  quotaProblems,
  validateClusterSpec,
  validateSpecChange,
} from '../../domain/cluster-validation.js';
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../../domain/errors.js';
import { uuidv7 } from '../../domain/ids.js';
import { applyMergePatch, jsonEqual } from '../../domain/merge-patch.js';
import type { OperationType } from '../../domain/operation.js';
import { planCluster } from '../../domain/plan.js';
import { changesVersions } from '../../domain/upgrade-rules.js';
import { planCapabilities } from '../../providers/provider-capabilities.js';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../../domain/versions.js';
import type { Principal } from '../../auth/principal.js';
import { isUniqueViolation, type DatabaseHandle, type Db } from '../../persistence/database.js';
import type { ClusterRecord, ProjectRecord } from '../../persistence/records.js';
import { DATABASE, repositories } from '../../persistence/repositories.js';
import { PROVIDERS, type ProviderRegistry } from '../../providers/infrastructure-provider.js';
import { ReconcileQueue } from '../../queue/reconcile-queue.js';
import { toFieldProblem } from '../http/zod-validation.pipe.js';
import { runIdempotent, type Answer } from '../idempotency.js';
import { clusterView, operationView } from '../representations.js';
import { isScaleOnly, operationRow } from './cluster-operations.js';
import type { ClusterView, OperationView, PlanView } from '../schemas.js';

export interface MutationOptions {
  dryRun: boolean;
  idempotencyKey?: string;
}

type MutationAnswer = Answer<OperationView | PlanView | ClusterView>;

@Injectable()
export class ClustersService {
  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(PROVIDERS) private readonly providers: ProviderRegistry,
    private readonly queue: ReconcileQueue,
  ) {}

  private get db(): Db {
    return this.database.db;
  }

  async create(
    project: ProjectRecord,
    principal: Principal,
    request: { name: string; spec: ClusterSpec },
    options: MutationOptions,
  ): Promise<MutationAnswer> {
    const spec = await this.checkSpec(project, request.spec, undefined);
    if (options.dryRun) {
      return { status: 200, body: this.plan('Create', spec, false, []) };
    }
    const answer = await runIdempotent(
      this.db,
      project.id,
      options.idempotencyKey,
      ['createCluster', request],
      async (tx) => {
        const repos = repositories(tx);
        if (await repos.clusters.findLiveByName(project.id, request.name)) {
          throw new ConflictError(
            `a cluster named "${request.name}" already exists in project "${project.name}"`,
          );
        }
        const cluster = await repos.clusters
          .insert({
            id: uuidv7(),
            projectId: project.id,
            name: request.name,
            spec,
            status: initialStatus(),
          })
          .catch((error: unknown) => {
            if (isUniqueViolation(error))
              throw new ConflictError(`a cluster named "${request.name}" already exists`);
            throw error;
          });
        const operation = await repos.operations.insert(
          operationRow(cluster, 'Create', principal),
          planCluster({
            spec,
            deleting: false,
            machines: [],
            infrastructureReady: false,
            ...this.capabilities(spec),
          }),
        );
        return { status: 202, body: operationView(operation, project.name) };
      },
    );
    await this.enqueueFor(answer);
    return answer;
  }

  async update(
    project: ProjectRecord,
    principal: Principal,
    name: string,
    patch: { spec?: object },
    ifMatch: string | undefined,
    options: MutationOptions,
  ): Promise<MutationAnswer> {
    const cluster = await this.find(project, name);
    this.checkPrecondition(cluster, ifMatch);
    const parsed = clusterSpecSchema.safeParse(applyMergePatch(cluster.spec, patch.spec ?? {}));
    if (!parsed.success) {
      throw new BadRequestError(
        'the patched spec is not valid',
        parsed.error.issues
          .map((i) => toFieldProblem(i, 'spec'))
          .map((p) => ({ ...p, field: p.field === 'spec' ? p.field : `spec.${p.field}` })),
      );
    }
    const spec = await this.checkSpec(project, parsed.data, cluster);
    if (jsonEqual(spec, cluster.spec))
      return { status: 200, body: clusterView(cluster, project.name) };
    return this.changeSpec(
      project,
      principal,
      cluster,
      spec,
      changesVersions(cluster.spec, spec)
        ? 'Upgrade'
        : isScaleOnly(cluster.spec, spec)
          ? 'Scale'
          : 'Update',
      options,
    );
  }

  async scale(
    project: ProjectRecord,
    principal: Principal,
    name: string,
    poolName: string,
    replicas: number,
    options: MutationOptions,
  ): Promise<MutationAnswer> {
    const cluster = await this.find(project, name);
    if (!cluster.spec.nodePools.some((p) => p.name === poolName)) {
      throw new NotFoundError(`cluster "${name}" has no node pool "${poolName}"`);
    }
    const next: ClusterSpec = {
      ...cluster.spec,
      nodePools: cluster.spec.nodePools.map((p) => (p.name === poolName ? { ...p, replicas } : p)),
    };
    const spec = await this.checkSpec(project, next, cluster);
    if (jsonEqual(spec, cluster.spec))
      return { status: 200, body: clusterView(cluster, project.name) };
    return this.changeSpec(project, principal, cluster, spec, 'Scale', options, [
      'scaleNodePool',
      name,
      poolName,
      replicas,
    ]);
  }

  async delete(
    project: ProjectRecord,
    principal: Principal,
    name: string,
    options: MutationOptions,
  ): Promise<MutationAnswer> {
    const cluster = await this.find(project, name);
    const repos = repositories(this.db);
    if (cluster.spec.deletionProtection) {
      throw new ConflictError(
        `cluster "${name}" has deletion protection; set spec.deletionProtection to false first`,
      );
    }
    const machines = await repos.machines.listExisting(cluster.id);
    if (options.dryRun)
      return { status: 200, body: this.plan('Delete', cluster.spec, true, machines) };
    if (cluster.deletionRequestedAt) {
      const running = await repos.operations.activeForCluster(cluster.id);
      if (running) {
        const full = await repos.operations.find(project.id, running.id);
        return { status: 202, body: operationView(full!, project.name) };
      }
    }
    const answer = await this.db.transaction(async (t) => {
      const tx = repositories(t as unknown as Db);
      const marked = await tx.clusters.requestDeletion(cluster.id);
      if (!marked) throw new ConflictError(`cluster "${name}" is already being deleted`);
      const active = await tx.operations.activeForCluster(cluster.id);
      if (active) {
        await tx.operations.transition(
          active.id,
          ['Pending', 'Running', 'Cancelling'],
          'Cancelled',
          {
            reason: 'SupersededByDelete',
            message: 'the cluster is being deleted',
            at: new Date().toISOString(),
          },
        );
      }
      const operation = await tx.operations.insert(
        operationRow(marked, 'Delete', principal),
        planCluster({
          spec: cluster.spec,
          deleting: true,
          machines,
          infrastructureReady: true,
        }),
      );
      return { status: 202, body: operationView(operation, project.name) };
    });
    await this.enqueueFor(answer);
    return answer;
  }

  private async changeSpec(
    project: ProjectRecord,
    principal: Principal,
    cluster: ClusterRecord,
    spec: ClusterSpec,
    type: OperationType,
    options: MutationOptions,
    fingerprint: unknown = ['updateCluster', cluster.name, spec],
  ): Promise<MutationAnswer> {
    const repos = repositories(this.db);
    const machines = await repos.machines.listExisting(cluster.id);
    const infrastructureReady = cluster.observedGeneration > 0;
    if (options.dryRun)
      return { status: 200, body: this.plan(type, spec, false, machines, infrastructureReady) };
    const answer = await runIdempotent(
      this.db,
      project.id,
      options.idempotencyKey,
      fingerprint,
      async (tx) => {
        const txRepos = repositories(tx);
        const active = await txRepos.operations.activeForCluster(cluster.id);
        if (active) {
          throw new ConflictError(
            `operation ${active.id} (${active.type}) is still in progress on cluster "${cluster.name}"; wait for it or cancel it`,
          );
        }
        const updated = await txRepos.clusters.updateSpec(
          cluster.id,
          cluster.resourceVersion,
          spec,
        );
        if (!updated)
          throw new PreconditionFailedError(
            `cluster "${cluster.name}" changed meanwhile; read it again and retry`,
          );
        const operation = await txRepos.operations.insert(
          operationRow(updated, type, principal),
          planCluster({
            spec,
            deleting: false,
            machines,
            infrastructureReady,
            ...this.capabilities(spec),
          }),
        );
        return { status: 202, body: operationView(operation, project.name) };
      },
    );
    await this.enqueueFor(answer);
    return answer;
  }

  private async checkSpec(
    project: ProjectRecord,
    input: ClusterSpec,
    current: ClusterRecord | undefined,
  ): Promise<ClusterSpec> {
    const offered = this.providers.get(input.provider)?.specVersions?.();
    const { spec, problems } = validateClusterSpec(input, {
      enabledProviders: [...this.providers.keys()],
      supportedVersions: offered ?? SUPPORTED_KUBERNETES_VERSIONS,
      ...(offered ? { versionsOf: input.provider } : {}),
      maxPoolReplicas: this.config.KAAS_MAX_POOL_REPLICAS,
    });
    if (current) problems.push(...validateSpecChange(current.spec, spec));
    if (problems.length === 0) {
      const others = (await repositories(this.db).clusters.liveSpecs(project.id))
        .filter((c) => c.id !== current?.id)
        .map((c) => c.spec);
      problems.push(
        ...quotaProblems(
          { clusters: project.quotaClusters, nodes: project.quotaNodes },
          others,
          spec,
          !current,
        ),
      );
    }
    if (problems.length === 0) {
      const provider = this.providers.get(spec.provider);
      const context = {
        projectId: project.id,
        ...(current ? { clusterId: current.id, current: current.spec } : {}),
      };
      if (provider) problems.push(...(await provider.preflight(spec, context)));
    }
    if (problems.length > 0)
      throw new ValidationError('the cluster spec cannot be accepted', problems);
    return spec;
  }

  private checkPrecondition(cluster: ClusterRecord, ifMatch: string | undefined): void {
    if (cluster.deletionRequestedAt)
      throw new ConflictError(`cluster "${cluster.name}" is being deleted`);
    if (ifMatch === undefined) return;
    const expected = ifMatch.replace(/^W\//, '').replace(/"/g, '');
    if (expected !== String(cluster.resourceVersion)) {
      throw new PreconditionFailedError(
        `If-Match ${ifMatch} does not match the cluster's resourceVersion ${cluster.resourceVersion}; read it again and retry`,
      );
    }
  }

  private async find(project: ProjectRecord, name: string): Promise<ClusterRecord> {
    const cluster = await repositories(this.db).clusters.findLiveByName(project.id, name);
    if (!cluster)
      throw new NotFoundError(`cluster "${name}" not found in project "${project.name}"`);
    return cluster;
  }

  private plan(
    operationType: OperationType,
    spec: ClusterSpec,
    deleting: boolean,
    machines: object[],
    infrastructureReady = false,
  ): PlanView {
    const steps = planCluster({
      spec,
      deleting,
      machines: machines as Parameters<typeof planCluster>[0]['machines'],
      infrastructureReady,
      ...this.capabilities(spec),
    });
    return { dryRun: true, operationType, steps, spec };
  }

  private capabilities(spec: ClusterSpec) {
    return planCapabilities(this.providers, spec.provider);
  }

  private async enqueueFor(answer: MutationAnswer): Promise<void> {
    const body = answer.body as { clusterId?: string; status?: string };
    if (answer.status === 202 && body.clusterId) await this.queue.enqueue(body.clusterId);
  }
}
