import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Config } from '../../config/config.js';
import { clusterSpecSchema } from '../../domain/cluster.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import {
  DEFAULT_KUBERNETES_MINOR,
  SUPPORTED_KUBERNETES_VERSIONS,
  resolveKubernetesVersion,
} from '../../domain/versions.js';
import { KUBELET_MAX_MINOR_SKEW } from '../../domain/upgrade-rules.js';
import type { DatabaseHandle, Db } from '../../persistence/database.js';
import type { ClusterRecord, ProjectRecord } from '../../persistence/records.js';
import { DATABASE, repositories } from '../../persistence/repositories.js';
import { PROVIDERS, type ProviderRegistry } from '../../providers/infrastructure-provider.js';
import { decodeCursor, SEQUENCE_CURSOR, toPage, type Page } from '../http/pagination.js';
import { machineView } from '../representations.js';
import type { ClusterView, MachineView } from '../schemas.js';
import { batched, ClusterDocumentCache, encodePage } from './cluster-document-cache.js';
import { ShortCircuits } from './short-circuits.js';

/** What a cluster has beside its own document: machines, events, kubeconfig; server limits. */
@Injectable()
export class ClusterReadsService {
  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(PROVIDERS) private readonly providers: ProviderRegistry,
    private readonly documents: ClusterDocumentCache,
    private readonly shortCircuits: ShortCircuits,
  ) {}

  private get db(): Db {
    return this.database.db;
  }

  /**
   * The cluster's document, from this process's cache when it holds one (docs/adr/0013), with
   * the health monitor's conditions; with its JSON bytes when they can be reused.
   */
  async document(
    project: ProjectRecord,
    name: string,
  ): Promise<{ view: ClusterView; body?: Buffer }> {
    const held = await this.documents.find(project, name, () =>
      repositories(this.db).clusters.findLiveByName(project.id, name),
    );
    if (!held) throw new NotFoundError(`cluster "${name}" not found in project "${project.name}"`);
    const view = await this.shortCircuits.decorate(held);
    if (view !== held) return { view };
    const body = this.documents.encoded(view);
    return body ? { view, body } : { view };
  }

  /**
   * A page of the project's clusters: the page's names from the database, each document from
   * the cache, the missing ones read together in one query; with the page's JSON bytes when
   * every document's can be reused.
   */
  async list(
    project: ProjectRecord,
    query: { limit: number; cursor?: string },
  ): Promise<{ page: Page<ClusterView>; body?: Buffer }> {
    const after = decodeCursor(query.cursor);
    const clusters = repositories(this.db).clusters;
    const names = await clusters.listLiveNames(project.id, {
      limit: query.limit + 1,
      ...(after ? { after } : {}),
    });
    const { nextCursor } = toPage(names, query.limit, (row) => row.name);
    const load = batched((missing) => clusters.findLiveByNames(project.id, missing));
    const found = await Promise.all(
      names
        .slice(0, query.limit)
        .map(({ name }) => this.documents.find(project, name, () => load(name))),
    );
    // A cluster deleted between the two reads is left out.
    const held = found.filter((v) => v !== undefined);
    const items = await this.shortCircuits.decorateAll(held);
    const page = { items, ...(nextCursor === undefined ? {} : { nextCursor }) };
    const bodies = items.map((view, i) =>
      view === held[i] ? this.documents.encoded(view) : undefined,
    );
    if (bodies.some((b) => b === undefined)) return { page };
    return { page, body: encodePage(bodies as Buffer[], nextCursor) };
  }

  async listMachines(
    project: ProjectRecord,
    name: string,
    query: { limit: number; cursor?: string; pool?: string },
  ): Promise<Page<MachineView>> {
    const cluster = await this.find(project, name);
    const after = decodeCursor(query.cursor);
    const rows = await repositories(this.db).machines.list(cluster.id, {
      limit: query.limit + 1,
      ...(after ? { after } : {}),
      ...(query.pool ? { pool: query.pool } : {}),
    });
    return toPage(rows, query.limit, machineView);
  }

  /** What happened to the cluster, newest first. */
  async events(project: ProjectRecord, name: string, query: { limit: number; cursor?: string }) {
    const cluster = await this.find(project, name);
    const before = decodeCursor(query.cursor, SEQUENCE_CURSOR);
    const rows = await repositories(this.db).events.list(cluster.id, {
      limit: query.limit + 1,
      ...(before ? { before: Number(before) } : {}),
    });
    return toPage(rows, query.limit, (e) => ({
      id: e.id,
      at: e.at.toISOString(),
      type: e.type,
      reason: e.reason,
      message: e.message,
    }));
  }

  async kubeconfig(project: ProjectRecord, name: string): Promise<{ kubeconfig: string }> {
    const cluster = await this.find(project, name);
    const provider = this.providers.get(cluster.spec.provider);
    const ref = {
      id: cluster.id,
      name: cluster.name,
      projectId: cluster.projectId,
      spec: cluster.spec,
    };
    const kubeconfig =
      provider && cluster.status.endpoint ? await provider.adminKubeconfig(ref) : undefined;
    if (!kubeconfig) {
      throw new ConflictError(
        cluster.status.endpoint
          ? `the ${cluster.spec.provider} provider runs no Kubernetes API server, so there is no kubeconfig`
          : `cluster "${name}" has no API endpoint yet; try again once its infrastructure is ready`,
      );
    }
    return { kubeconfig };
  }

  serverConfig() {
    return {
      providers: [...this.providers.keys()],
      kubernetesVersions: [...SUPPORTED_KUBERNETES_VERSIONS],
      defaultKubernetesVersion: clusterSpecSchema.parse({ provider: 'fake' }).kubernetesVersion,
      limits: { maxPoolReplicas: this.config.KAAS_MAX_POOL_REPLICAS },
      versionsByProvider: [...this.providers.values()].map((p) => {
        const defaultVersion = resolveKubernetesVersion(
          DEFAULT_KUBERNETES_MINOR,
          p.specVersions?.() ?? SUPPORTED_KUBERNETES_VERSIONS,
        );
        return {
          provider: p.name,
          versions: p.kubernetesVersions(),
          ...(defaultVersion ? { defaultVersion } : {}),
        };
      }),
      upgradeRules: {
        controlPlaneMinorsPerUpgrade: 1,
        kubeletMaxMinorSkew: KUBELET_MAX_MINOR_SKEW,
        downgrades: false,
      },
    };
  }

  private async find(project: ProjectRecord, name: string): Promise<ClusterRecord> {
    const cluster = await repositories(this.db).clusters.findLiveByName(project.id, name);
    if (!cluster)
      throw new NotFoundError(`cluster "${name}" not found in project "${project.name}"`);
    return cluster;
  }
}
