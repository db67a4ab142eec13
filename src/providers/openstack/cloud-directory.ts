import type { CloudsRepository } from '../../persistence/clouds.repository.js';
import type { OpenStackCloudRecord } from '../../persistence/records.js';
import { decryptSecret, encryptSecret, type KeyRing } from '../../security/envelope.js';
import {
  cloudCredentialsSchema,
  type CloudConnection,
  type CloudCredentials,
  type EndpointInterface,
} from './cloud.js';

export interface RegisteredCloud {
  id: string;
  name: string;
  /** Changes whenever the credentials do, so cached sessions are replaced. */
  revision: string;
  connection: CloudConnection;
}

/** Where providers find clouds by name, decrypted, and whether a project may use one. */
export interface CloudDirectory {
  find(name: string): Promise<RegisteredCloud | undefined>;
  list(): Promise<RegisteredCloud[]>;
  isGranted(cloudId: string, projectId: string): Promise<boolean>;
}

/** Authenticated data binds an envelope to its cloud: a copied row does not decrypt. */
export function credentialsContext(cloudId: string): string {
  return `openstack-cloud/${cloudId}/credentials`;
}

export function sealCredentials(
  cloudId: string,
  credentials: CloudCredentials,
  keyRing: KeyRing,
): string {
  return encryptSecret(JSON.stringify(credentials), keyRing.current, {
    context: credentialsContext(cloudId),
  });
}

export function openCloud(record: OpenStackCloudRecord, keyRing: KeyRing): RegisteredCloud {
  const credentials = cloudCredentialsSchema.parse(
    JSON.parse(
      decryptSecret(record.credentials, keyRing, { context: credentialsContext(record.id) }),
    ),
  );
  return {
    id: record.id,
    name: record.name,
    revision: record.credentials,
    connection: {
      authUrl: record.authUrl,
      region: record.region,
      interface: record.endpointInterface as EndpointInterface,
      credentials,
      ...(record.caBundle ? { caBundle: record.caBundle } : {}),
    },
  };
}

export class DatabaseCloudDirectory implements CloudDirectory {
  constructor(
    private readonly clouds: CloudsRepository,
    private readonly keyRing: KeyRing,
  ) {}

  async find(name: string): Promise<RegisteredCloud | undefined> {
    const record = await this.clouds.findByName(name);
    return record ? openCloud(record, this.keyRing) : undefined;
  }

  async list(): Promise<RegisteredCloud[]> {
    return (await this.clouds.list()).map((record) => openCloud(record, this.keyRing));
  }

  isGranted(cloudId: string, projectId: string): Promise<boolean> {
    return this.clouds.isGranted(cloudId, projectId);
  }
}
