import { Inject, Injectable, Logger } from '@nestjs/common';
import type { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.js';
import { uuidv7 } from '../../domain/ids.js';
import { isUniqueViolation, type DatabaseHandle } from '../../persistence/database.js';
import type { OpenStackCloudRecord } from '../../persistence/records.js';
import { DATABASE, repositories } from '../../persistence/repositories.js';
import { sealCredentials } from '../../providers/openstack/cloud-directory.js';
import { AuthenticationError, KeystoneSession } from '../../providers/openstack/keystone.js';
import { KEY_RING, type KeyRingHolder } from '../../security/key-ring.js';
import { CONFIG, type Config } from '../../config/config.js';
import type { CloudCreateRequest, CloudView } from './cloud.schemas.js';
import type { KeyRing } from '../../security/envelope.js';

/** Every service a cluster uses must be in the cloud's catalog. */
const REQUIRED_SERVICES = ['compute', 'network', 'load-balancer', 'image'] as const;

@Injectable()
export class CloudsService {
  private readonly logger = new Logger('clouds');

  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(KEY_RING) private readonly keys: KeyRingHolder,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  private get repos() {
    return repositories(this.database.db);
  }

  /** Signs in with the credentials first: a cloud kaas cannot use is refused with 422. */
  async create(request: z.output<typeof CloudCreateRequest>): Promise<CloudView> {
    const keyRing = this.keyRing();
    const allow = this.config.KAAS_CLOUD_AUTH_URL_ALLOW;
    if (allow && !new RegExp(allow).test(request.authUrl))
      throw new ValidationError('the cloud cannot be used with these settings', [
        { field: 'authUrl', message: `must match ${allow} (KAAS_CLOUD_AUTH_URL_ALLOW)` },
      ]);
    if (await this.repos.clouds.findByName(request.name))
      throw new ConflictError(`a cloud named "${request.name}" already exists`);
    await this.verify(request);
    const id = uuidv7();
    const record = await this.repos.clouds
      .insert({
        id,
        name: request.name,
        authUrl: request.authUrl,
        region: request.region,
        endpointInterface: request.interface,
        credentialType: request.credentials.type,
        credentials: sealCredentials(id, request.credentials, keyRing),
        caBundle: request.caBundle ?? null,
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error))
          throw new ConflictError(`a cloud named "${request.name}" already exists`);
        throw error;
      });
    this.logger.log(`cloud ${record.name} registered (${record.authUrl}, ${record.region})`);
    return this.view(record, []);
  }

  async list(): Promise<{ items: CloudView[] }> {
    const clouds = await this.repos.clouds.list();
    const items = [];
    for (const cloud of clouds)
      items.push(this.view(cloud, await this.repos.clouds.grantees(cloud.id)));
    return { items };
  }

  async get(name: string): Promise<CloudView> {
    const cloud = await this.find(name);
    return this.view(cloud, await this.repos.clouds.grantees(cloud.id));
  }

  async delete(name: string): Promise<void> {
    const cloud = await this.find(name);
    const users = await this.repos.clouds.clustersUsing(cloud.name);
    if (users > 0)
      throw new ConflictError(
        `cloud "${name}" still has ${users} cluster${users === 1 ? '' : 's'}: delete them first`,
      );
    await this.repos.clouds.delete(cloud.id);
  }

  async grant(name: string, projectName: string): Promise<void> {
    const cloud = await this.find(name);
    await this.repos.clouds.grant(cloud.id, (await this.project(projectName)).id);
  }

  async revoke(name: string, projectName: string): Promise<void> {
    const cloud = await this.find(name);
    await this.repos.clouds.revoke(cloud.id, (await this.project(projectName)).id);
  }

  /** What a project may build on: no grants, no credentials. */
  async listForProject(projectId: string): Promise<{ items: CloudView[] }> {
    const clouds = await this.repos.clouds.grantedTo(projectId);
    return { items: clouds.map((c) => this.view(c)) };
  }

  private async verify(request: z.output<typeof CloudCreateRequest>): Promise<void> {
    const session = new KeystoneSession(
      {
        authUrl: request.authUrl,
        region: request.region,
        interface: request.interface,
        credentials: request.credentials,
        ...(request.caBundle ? { caBundle: request.caBundle } : {}),
      },
      {
        timeoutMs: this.config.KAAS_OPENSTACK_REQUEST_TIMEOUT_SECONDS * 1000,
        retry: { attempts: 2, baseDelayMs: 200, maxDelayMs: 1000, maxRetryAfterMs: 2000 },
      },
    );
    try {
      await session.verify();
      for (const service of REQUIRED_SERVICES) await session.endpoint(service);
    } catch (error) {
      const message =
        error instanceof AuthenticationError
          ? error.message
          : `Keystone at ${request.authUrl} could not be reached: ${error instanceof Error ? error.message : String(error)}`;
      throw new ValidationError('the cloud cannot be used with these settings', [
        { field: error instanceof AuthenticationError ? 'credentials' : 'authUrl', message },
      ]);
    }
  }

  private keyRing(): KeyRing {
    const keyRing = this.keys.keyRing;
    if (!keyRing)
      throw new ConflictError(
        'no key-encryption key is configured, so credentials cannot be stored: set KAAS_KEK',
      );
    return keyRing;
  }

  private async find(name: string): Promise<OpenStackCloudRecord> {
    const cloud = await this.repos.clouds.findByName(name);
    if (!cloud) throw new NotFoundError(`cloud "${name}" not found`);
    return cloud;
  }

  private async project(name: string) {
    const project = await this.repos.projects.findByName(name);
    if (!project) throw new NotFoundError(`project "${name}" not found`);
    return project;
  }

  private view(cloud: OpenStackCloudRecord, grantees?: string[]): CloudView {
    return {
      id: cloud.id,
      name: cloud.name,
      authUrl: cloud.authUrl,
      region: cloud.region,
      interface: cloud.endpointInterface as CloudView['interface'],
      credentialType: cloud.credentialType as CloudView['credentialType'],
      hasCaBundle: cloud.caBundle !== null,
      ...(grantees ? { grantedProjects: grantees } : {}),
      createdAt: cloud.createdAt.toISOString(),
    };
  }
}
