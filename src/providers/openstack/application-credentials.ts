import { TerminalError } from '../../domain/errors.js';
import type { TaggedResource } from '../infrastructure-provider.js';
import type { BootstrapMaterial } from './bootstrap-material.js';
import type { OpenStackClients } from './clients.js';
import { OpenStackHttpError } from './http.js';
import { clusterTag } from './names.js';
import { ServiceClient } from './service-client.js';

export interface ApplicationCredential {
  id: string;
  name: string;
  project_id?: string;
}

/** Keystone's application credentials of one user (identity API v3). */
export class ApplicationCredentialsClient extends ServiceClient {
  protected readonly service = 'identity' as const;

  async list(userId: string, name?: string): Promise<ApplicationCredential[]> {
    return (
      await this.get<{ application_credentials: ApplicationCredential[] }>(
        `/users/${userId}/application_credentials`,
        name ? { name } : undefined,
      )
    ).application_credentials;
  }

  async show(userId: string, id: string): Promise<ApplicationCredential | undefined> {
    return (
      await this.find<{ application_credential: ApplicationCredential }>(
        `/users/${userId}/application_credentials/${id}`,
      )
    )?.application_credential;
  }

  async create(
    userId: string,
    attributes: { name: string; description: string },
  ): Promise<ApplicationCredential & { secret: string }> {
    return (
      await this.post<{ application_credential: ApplicationCredential & { secret: string } }>(
        `/users/${userId}/application_credentials`,
        { application_credential: { ...attributes, unrestricted: false } },
      )
    ).application_credential;
  }

  delete(userId: string, id: string): Promise<void> {
    return this.remove(`/users/${userId}/application_credentials/${id}`);
  }
}

/** Where the id and secret are kept, encrypted, beside the cluster's CA. */
const SECRET_NAME = 'application-credential';

/** Named like the tag on everything else of the cluster, so listing and sweeping find it. */
export function applicationCredentialName(clusterId: string): string {
  return clusterTag(clusterId);
}

export interface ClusterApplicationCredential {
  id: string;
  secret: string;
}

function refused(cloud: string, error: unknown): TerminalError {
  return new TerminalError(
    'ApplicationCredentialRefused',
    `Keystone of cloud "${cloud}" refused to make an application credential for the cluster (${error instanceof OpenStackHttpError ? `${error.status} ${error.detail}` : String(error)}); kaas must sign in to it with a password or an unrestricted application credential`,
  );
}

/**
 * The cluster's own application credential (for its cloud controller manager): made once,
 * owned by the user kaas signs in as, restricted to that user's roles in the project, and
 * kept encrypted. One found in Keystone under the cluster's name whose secret kaas does not
 * hold (a crash came between Keystone's answer and the store) is deleted and made anew; one
 * stored whose credential was deleted behind kaas's back is made anew too.
 */
export async function ensureClusterApplicationCredential(
  clients: OpenStackClients,
  store: BootstrapMaterial,
  clusterId: string,
  cloud: string,
): Promise<ClusterApplicationCredential> {
  const credentials = new ApplicationCredentialsClient(clients.session);
  const userId = await clients.session.userId();
  const stored = await store.find(clusterId, SECRET_NAME);
  if (stored) {
    const kept = JSON.parse(stored) as ClusterApplicationCredential;
    if (await credentials.show(userId, kept.id)) return kept;
    await store.discard(clusterId, SECRET_NAME);
  }
  const name = applicationCredentialName(clusterId);
  try {
    for (const lost of await credentials.list(userId, name))
      await credentials.delete(userId, lost.id);
    const made = await credentials.create(userId, {
      name,
      description: `kaas: the cloud controller manager of cluster ${clusterId}`,
    });
    const fresh: ClusterApplicationCredential = { id: made.id, secret: made.secret };
    const kept = JSON.parse(
      await store.keep(clusterId, SECRET_NAME, JSON.stringify(fresh)),
    ) as ClusterApplicationCredential;
    // Another worker stored its own first: keep one, and leave no second one in Keystone.
    if (kept.id !== fresh.id) await credentials.delete(userId, fresh.id);
    return kept;
  } catch (error) {
    if (error instanceof OpenStackHttpError && error.status === 403) throw refused(cloud, error);
    throw error;
  }
}

/**
 * The cluster's application credentials in Keystone. A session that may not list them (kaas
 * signs in with a restricted application credential) cannot have made any: none.
 */
export async function listClusterApplicationCredentials(
  clients: OpenStackClients,
  clusterId?: string,
): Promise<TaggedResource[]> {
  const credentials = new ApplicationCredentialsClient(clients.session);
  try {
    const userId = await clients.session.userId();
    const found = await credentials.list(
      userId,
      clusterId ? applicationCredentialName(clusterId) : undefined,
    );
    return found.map((c) => ({ kind: 'application-credential', id: c.id, name: c.name }));
  } catch (error) {
    if (error instanceof OpenStackHttpError && error.status === 403) return [];
    throw error;
  }
}

export async function deleteClusterApplicationCredentials(
  clients: OpenStackClients,
  clusterId: string,
): Promise<void> {
  const credentials = new ApplicationCredentialsClient(clients.session);
  const found = await listClusterApplicationCredentials(clients, clusterId);
  if (found.length === 0) return;
  const userId = await clients.session.userId();
  for (const credential of found) await credentials.delete(userId, credential.id);
}
