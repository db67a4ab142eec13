import { TerminalError } from '../domain/errors.js';
import { TenantKubeClient } from '../kube/tenant-client.js';
import type { AddonsRepository, ClusterAddonRecord } from '../persistence/addons.repository.js';
import type { ClustersRepository } from '../persistence/clusters.repository.js';
import type { ClusterRecord } from '../persistence/records.js';
import type { ProviderRegistry } from '../providers/infrastructure-provider.js';
import type { AddonInstaller } from './addon-installer.js';
import type { ArtefactSource } from './artefacts.js';
import { renderAddon } from './renderers/index.js';
import { resolveAddons, type ResolvedAddon } from './resolve.js';

const RETRY_NOTE = 'failed, retrying: ';

/**
 * What an install says while it runs. A retry repeats why the attempt before it failed, so the
 * cause stays readable in the cluster's status and the Operation until the add-on settles.
 */
export function installMessage(
  row: Pick<ClusterAddonRecord, 'phase' | 'version' | 'message'> | undefined,
  version: string,
  attempt: Attempt,
): string {
  const action =
    row && row.version !== version && row.phase !== 'Installing'
      ? `upgrading from ${row.version} to ${version}`
      : row?.phase === 'Healthy'
        ? `applying a configuration change to ${version}`
        : `installing ${version}`;
  if (attempt.number <= 1) return action;
  const at = row?.message?.indexOf(RETRY_NOTE) ?? -1;
  const last = at >= 0 ? `; the last failed: ${row!.message!.slice(at + RETRY_NOTE.length)}` : '';
  return `${action} (attempt ${attempt.number} of ${attempt.max}${last})`;
}

function refOf(cluster: ClusterRecord) {
  return { id: cluster.id, name: cluster.name, projectId: cluster.projectId, spec: cluster.spec };
}

export interface AddonJobDeps {
  clusters: ClustersRepository;
  addons: AddonsRepository;
  providers: ProviderRegistry;
  artefacts: ArtefactSource;
  installer: AddonInstaller;
  helmBinary: () => string;
}

export interface Attempt {
  /** 1 for the first run of the job. */
  number: number;
  max: number;
}

/** Why an add-on job ended: done, or failed for good (no retry will help). */
export type AddonJobResult = 'installed' | 'removed' | 'unchanged' | 'skipped';

/**
 * One add-on in one cluster, brought to what the cluster's spec says now: installed or upgraded
 * (apply, gates, prune) when the spec wants it, removed (its inventory, nothing else) when not.
 * The job carries only ids; the spec and the inventory are read from the database each time,
 * so a retried or duplicated job does no harm.
 */
export class AddonJob {
  constructor(private readonly deps: AddonJobDeps) {}

  async run(clusterId: string, name: string, attempt: Attempt): Promise<AddonJobResult> {
    const cluster = await this.deps.clusters.findById(clusterId);
    if (!cluster || cluster.deletionRequestedAt) return 'skipped';
    const desired = resolveAddons(cluster.spec).addons.find((a) => a.name === name);
    const row = await this.deps.addons.find(clusterId, name);
    if (!desired && !row) return 'unchanged';
    if (desired && row?.phase === 'Healthy' && row.fingerprint === desired.fingerprint)
      return 'unchanged';
    try {
      const client = await this.connect(cluster);
      if (desired) {
        await this.install(cluster, client, desired, row, attempt);
        return 'installed';
      }
      await this.remove(cluster, client, row!);
      return 'removed';
    } catch (error) {
      await this.recordFailure(cluster, name, desired, row, error, attempt);
      throw error;
    }
  }

  private async install(
    cluster: ClusterRecord,
    client: TenantKubeClient,
    addon: ResolvedAddon,
    row: ClusterAddonRecord | undefined,
    attempt: Attempt,
  ): Promise<void> {
    const base = {
      clusterId: cluster.id,
      name: addon.name,
      version: addon.version,
      fingerprint: addon.fingerprint,
      generation: cluster.generation,
    };
    const action = installMessage(row, addon.version, attempt);
    await this.deps.addons.save({ ...base, phase: 'Installing', message: action });
    const artefacts = await this.deps.artefacts.fetchAll(addon.name, addon.variant);
    const provider = this.deps.providers.get(cluster.spec.provider);
    const ref = refOf(cluster);
    const providerInputs = await provider?.addonInputs?.(ref, addon.name);
    const rendered = await renderAddon({
      addon,
      artefacts,
      kubernetesVersion: cluster.spec.kubernetesVersion,
      ...(providerInputs ? { providerInputs } : {}),
      helmBinary: this.deps.helmBinary,
    });
    const inventory = await this.deps.installer.install(
      client,
      addon.name,
      rendered,
      row?.inventory ?? [],
      (tracked) =>
        this.deps.addons.save({
          ...base,
          phase: 'Installing',
          message: action,
          inventory: tracked,
        }),
    );
    await this.deps.addons.save({ ...base, phase: 'Healthy', message: null, inventory });
  }

  private async remove(
    cluster: ClusterRecord,
    client: TenantKubeClient,
    row: ClusterAddonRecord,
  ): Promise<void> {
    await this.deps.addons.save({
      ...row,
      phase: 'Removing',
      message: `removing ${row.inventory.length} objects`,
      generation: cluster.generation,
    });
    await this.deps.installer.remove(client, row.name, row.inventory);
    await this.deps.addons.delete(cluster.id, row.name);
  }

  private async connect(cluster: ClusterRecord): Promise<TenantKubeClient> {
    const provider = this.deps.providers.get(cluster.spec.provider);
    const kubeconfig = await provider?.adminKubeconfig(refOf(cluster));
    if (!kubeconfig) {
      throw new TerminalError(
        'NoKubernetesApi',
        `the ${cluster.spec.provider} provider offers no Kubernetes API to install add-ons into`,
      );
    }
    return TenantKubeClient.fromKubeconfig(kubeconfig);
  }

  /** The last attempt, or a terminal error, leaves the add-on Failed; earlier ones say they retry. */
  private async recordFailure(
    cluster: ClusterRecord,
    name: string,
    desired: ResolvedAddon | undefined,
    row: ClusterAddonRecord | undefined,
    error: unknown,
    attempt: Attempt,
  ): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const terminal = error instanceof TerminalError;
    if (!terminal && attempt.number < attempt.max) {
      const retrying = `attempt ${attempt.number} of ${attempt.max} ${RETRY_NOTE}${message}`;
      await this.deps.addons.setMessage(cluster.id, name, retrying);
      return;
    }
    const target = desired ?? row;
    await this.deps.addons.save({
      clusterId: cluster.id,
      name,
      version: target?.version ?? '',
      fingerprint: target?.fingerprint ?? '',
      generation: cluster.generation,
      phase: 'Failed',
      message: terminal
        ? `${error.reason}: ${message}`
        : `RetriesExhausted: ${message} (after ${attempt.max} attempts)`,
    });
  }
}
