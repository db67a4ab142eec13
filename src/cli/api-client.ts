import {
  createKaasClient,
  type AddonList,
  type Cluster,
  type ClusterCreateRequest,
  type ClusterList,
  type ClusterPatchRequest,
  type KaasClient,
  type Kubeconfig,
  type MachineList,
  type MlTask,
  type MlTaskCreateRequest,
  type MlTaskList,
  type MlTaskLogs,
  type Operation,
  type OperationList,
  type Plan,
} from '@kaas/sdk';
import { ApiError, UnreachableError, type Problem } from './errors.js';

export interface Connection {
  server: string;
  token?: string;
  project: string;
}

interface SdkAnswer<T> {
  data?: T;
  error?: unknown;
  response?: Response;
}

/**
 * The CLI's view of the API: the generated SDK's operations, bound to one server, token and
 * project, with failures turned into CLI errors that carry the right exit code.
 */
export class KaasApi {
  private readonly sdk: KaasClient;

  constructor(readonly connection: Connection) {
    this.sdk = createKaasClient({
      baseUrl: connection.server.replace(/\/+$/, ''),
      ...(connection.token ? { token: connection.token } : {}),
    });
  }

  private get project() {
    return { project: this.connection.project };
  }

  listClusters() {
    return this.call<ClusterList>(
      this.sdk.listClusters({ path: this.project, query: { limit: 500 } }),
    );
  }

  getCluster(cluster: string) {
    return this.call<Cluster>(this.sdk.getCluster({ path: { ...this.project, cluster } }));
  }

  createCluster(body: ClusterCreateRequest) {
    return this.call<Operation | Plan>(this.sdk.createCluster({ path: this.project, body }));
  }

  updateCluster(cluster: string, body: ClusterPatchRequest) {
    return this.call<Operation | Cluster | Plan>(
      this.sdk.updateCluster({
        path: { ...this.project, cluster },
        body,
        headers: { 'content-type': 'application/merge-patch+json' },
      }),
    );
  }

  scaleNodePool(cluster: string, pool: string, replicas: number) {
    return this.call<Operation | Cluster | Plan>(
      this.sdk.scaleNodePool({ path: { ...this.project, cluster, pool }, body: { replicas } }),
    );
  }

  resumeCluster(cluster: string) {
    return this.call<Operation | Cluster>(
      this.sdk.resumeCluster({ path: { ...this.project, cluster } }),
    );
  }

  repairMachine(cluster: string, machine: string, reason?: string) {
    return this.call<Operation>(
      this.sdk.repairMachine({
        path: { ...this.project, cluster, machine },
        body: reason ? { reason } : {},
      }),
    );
  }

  deleteCluster(cluster: string) {
    return this.call<Operation | Plan>(
      this.sdk.deleteCluster({ path: { ...this.project, cluster } }),
    );
  }

  getKubeconfig(cluster: string) {
    return this.call<Kubeconfig>(this.sdk.getKubeconfig({ path: { ...this.project, cluster } }));
  }

  listMachines(cluster: string, pool?: string) {
    return this.call<MachineList>(
      this.sdk.listMachines({
        path: { ...this.project, cluster },
        query: { limit: 500, ...(pool ? { pool } : {}) },
      }),
    );
  }

  listOperations(query: { cluster?: string; status?: Operation['status'] }) {
    return this.call<OperationList>(
      this.sdk.listOperations({ path: this.project, query: { limit: 500, ...query } }),
    );
  }

  getOperation(operation: string) {
    return this.call<Operation>(this.sdk.getOperation({ path: { ...this.project, operation } }));
  }

  cancelOperation(operation: string) {
    return this.call<Operation>(this.sdk.cancelOperation({ path: { ...this.project, operation } }));
  }

  listMLTasks(cluster: string, namespace?: string) {
    return this.call<MlTaskList>(
      this.sdk.listMlTasks({
        path: { ...this.project, cluster },
        query: { limit: 500, ...(namespace ? { namespace } : {}) },
      }),
    );
  }

  getMLTask(cluster: string, mltask: string, namespace: string) {
    return this.call<MlTask>(
      this.sdk.getMlTask({ path: { ...this.project, cluster, mltask }, query: { namespace } }),
    );
  }

  createMLTask(cluster: string, body: MlTaskCreateRequest) {
    return this.call<MlTask>(this.sdk.createMlTask({ path: { ...this.project, cluster }, body }));
  }

  getMLTaskLogs(cluster: string, mltask: string, namespace: string, tailLines: number) {
    return this.call<MlTaskLogs>(
      this.sdk.getMlTaskLogs({
        path: { ...this.project, cluster, mltask },
        query: { namespace, tailLines },
      }),
    );
  }

  deleteMLTask(cluster: string, mltask: string, namespace: string) {
    return this.call<unknown>(
      this.sdk.deleteMlTask({ path: { ...this.project, cluster, mltask }, query: { namespace } }),
    );
  }

  /** The add-on catalogue; servers older than it answer 404. */
  listAddons() {
    return this.call<AddonList>(this.sdk.listAddons({}));
  }

  private async call<T>(pending: Promise<SdkAnswer<T>>): Promise<T> {
    let answer: SdkAnswer<T>;
    try {
      answer = await pending;
    } catch (error) {
      // The client rejects only when no HTTP answer arrived: refused, DNS, TLS, reset.
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      throw new UnreachableError(
        `cannot reach ${this.connection.server}: ${cause instanceof Error ? cause.message : String(cause)}`,
      );
    }
    const response = answer.response;
    if (!response) throw new UnreachableError(`cannot reach ${this.connection.server}: no answer`);
    if (!response.ok) throw new ApiError(response.status, toProblem(response, answer.error));
    return answer.data as T;
  }
}

function toProblem(response: Response, body: unknown): Problem {
  const candidate = body as Partial<Problem> | undefined;
  if (candidate && typeof candidate.title === 'string') {
    return {
      type: candidate.type ?? 'about:blank',
      title: candidate.title,
      status: candidate.status ?? response.status,
      detail: candidate.detail ?? '',
      ...(candidate.errors ? { errors: candidate.errors } : {}),
    };
  }
  return {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: `the server answered ${response.status} without problem details`,
  };
}
