import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { Agent } from 'node:https';
import type { CloudConnection, CloudCredentials } from './cloud.js';
import {
  DEFAULT_RETRY,
  OpenStackHttpError,
  sendWithRetry,
  type RetryPolicy,
  type Sleep,
} from './http.js';

/** Catalog service types of the services kaas calls. */
export type ServiceType =
  'compute' | 'network' | 'load-balancer' | 'image' | 'identity' | 'key-manager';

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region_id?: string; region?: string; url: string }[];
}

interface ScopedToken {
  value: string;
  expiresAt: number;
  projectId: string;
  /** The user the credentials stand for (an application credential's owner). */
  userId: string;
  catalog: CatalogEntry[];
}

export interface SessionOptions {
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** A token is renewed this long before Keystone says it expires. */
  renewBeforeMs?: number;
  sleep?: Sleep;
  now?: () => number;
}

/** Keystone said no: the credentials are wrong, expired or lack a project. */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/**
 * A signed-in session with one cloud: a project-scoped token cached until shortly before it
 * expires, service endpoints from its catalog (by interface and region), and requests that
 * sign in again once when a service answers 401 (a revoked or expired token).
 */
export class KeystoneSession {
  private token?: ScopedToken;
  private pending?: Promise<ScopedToken>;
  private readonly http: AxiosInstance;
  private readonly retry: RetryPolicy;
  private readonly renewBeforeMs: number;
  private readonly now: () => number;
  /** Counts sign-ins, so tests can see the cache at work. */
  authentications = 0;

  constructor(
    private readonly cloud: CloudConnection,
    private readonly options: SessionOptions = {},
  ) {
    this.http = axios.create({
      timeout: options.timeoutMs ?? 30_000,
      ...(cloud.caBundle ? { httpsAgent: new Agent({ ca: cloud.caBundle }) } : {}),
      // Responses are parsed by axios; redirects would drop the token header on another host.
      maxRedirects: 0,
    });
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.renewBeforeMs = options.renewBeforeMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  get region(): string {
    return this.cloud.region;
  }

  async projectId(): Promise<string> {
    return (await this.scopedToken()).projectId;
  }

  async userId(): Promise<string> {
    return (await this.scopedToken()).userId;
  }

  /** Signs in now, whatever is cached: how a cloud's credentials are checked. */
  async verify(): Promise<{ projectId: string; expiresAt: Date }> {
    this.token = undefined;
    const token = await this.scopedToken();
    return { projectId: token.projectId, expiresAt: new Date(token.expiresAt) };
  }

  async endpoint(service: ServiceType): Promise<string> {
    return findEndpoint((await this.scopedToken()).catalog, service, this.cloud);
  }

  /** One request to a service, relative to its catalog endpoint. */
  async request<T>(service: ServiceType, config: AxiosRequestConfig): Promise<AxiosResponse<T>> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.scopedToken();
      const baseURL = findEndpoint(token.catalog, service, this.cloud);
      try {
        return await sendWithRetry<T>(
          this.http,
          service,
          {
            ...config,
            baseURL,
            headers: { ...config.headers, 'X-Auth-Token': token.value, Accept: 'application/json' },
          },
          this.retry,
          this.options.sleep,
        );
      } catch (error) {
        if (!(error instanceof OpenStackHttpError) || error.status !== 401 || attempt > 1)
          throw error;
        // Revoked or expired early: sign in again once, then let a second 401 through.
        if (this.token === token) this.token = undefined;
      }
    }
  }

  private async scopedToken(): Promise<ScopedToken> {
    const token = this.token;
    if (token && token.expiresAt - this.renewBeforeMs > this.now()) return token;
    // Concurrent callers share one sign-in.
    this.pending ??= this.authenticate().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async authenticate(): Promise<ScopedToken> {
    this.authentications++;
    let response: AxiosResponse<KeystoneTokenBody>;
    try {
      response = await sendWithRetry<KeystoneTokenBody>(
        this.http,
        'identity',
        {
          method: 'POST',
          url: `${this.cloud.authUrl.replace(/\/+$/, '')}/auth/tokens`,
          data: authBody(this.cloud.credentials),
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        },
        this.retry,
        this.options.sleep,
        // A token issued twice is harmless: the sign-in is retried like a read.
        true,
      );
    } catch (error) {
      // Keystone answers 404 for an application credential it does not know (deleted).
      if (error instanceof OpenStackHttpError && [401, 403, 404].includes(error.status)) {
        throw new AuthenticationError(
          `Keystone at ${this.cloud.authUrl} refused the credentials (${error.status} ${error.detail})`,
        );
      }
      throw error;
    }
    const value = response.headers['x-subject-token'] as string | undefined;
    const body = response.data.token;
    if (!value || !body?.project?.id)
      throw new AuthenticationError(
        `Keystone at ${this.cloud.authUrl} issued no project-scoped token: the credentials need a project`,
      );
    this.token = {
      value,
      expiresAt: Date.parse(body.expires_at),
      projectId: body.project.id,
      userId: body.user?.id ?? '',
      catalog: body.catalog ?? [],
    };
    return this.token;
  }
}

interface KeystoneTokenBody {
  token?: {
    expires_at: string;
    project?: { id: string };
    user?: { id: string };
    catalog?: CatalogEntry[];
  };
}

function authBody(credentials: CloudCredentials): unknown {
  if (credentials.type === 'applicationCredential') {
    return {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { id: credentials.id, secret: credentials.secret },
        },
      },
    };
  }
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: {
            name: credentials.username,
            domain: { name: credentials.userDomainName },
            password: credentials.password,
          },
        },
      },
      scope: {
        project: { name: credentials.projectName, domain: { name: credentials.projectDomainName } },
      },
    },
  };
}

/** The endpoint of a service for the cloud's interface and region; none is a setup error. */
export function findEndpoint(
  catalog: CatalogEntry[],
  service: ServiceType,
  cloud: Pick<CloudConnection, 'interface' | 'region'>,
): string {
  const entry = catalog.find((e) => e.type === service);
  const endpoint = entry?.endpoints.find(
    (e) => e.interface === cloud.interface && (e.region_id ?? e.region) === cloud.region,
  );
  if (!endpoint) {
    throw new AuthenticationError(
      `the service catalog has no ${cloud.interface} ${service} endpoint in region ${cloud.region}`,
    );
  }
  return endpoint.url.replace(/\/+$/, '');
}
