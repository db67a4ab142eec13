import type { Agent } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * Where and how to reach one API server over HTTPS: what a long-lived watch needs from a
 * kubeconfig, as plain values. Modules that hold many connections take this rather than a
 * `KubeConfig`, so that they do not load client-node (about 80 MB of RSS in a process that
 * needs nothing else from it).
 */
export interface TenantEndpoint {
  server: string;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Headers each request carries (a bearer token, when the kubeconfig signs in with one). */
  headers?: Record<string, string>;
  /** `user:password`, when the kubeconfig signs in with basic authentication. */
  auth?: string;
  rejectUnauthorized?: boolean;
  servername?: string;
  /** Set when the kubeconfig names a proxy: the agent that goes through it. */
  proxyAgent?: Agent;
}

/** Credentials are asked for afresh before each connection: tokens may expire. */
export type EndpointSource = () => Promise<TenantEndpoint>;

/** What client-node's `applyToHTTPSOptions` fills in that a watch uses. */
interface HttpsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  headers?: Record<string, unknown>;
  auth?: string;
  rejectUnauthorized?: boolean;
  servername?: string;
  agent?: unknown;
}

/** Reads the endpoint from a loaded kubeconfig's current context, each time it is asked. */
export function endpointOf(config: KubeConfig): EndpointSource {
  return async () => {
    const cluster = config.getCurrentCluster();
    if (!cluster?.server) throw new Error('the kubeconfig names no cluster');
    const options: HttpsOptions = {};
    await config.applyToHTTPSOptions(options);
    const proxied = Boolean(cluster.proxyUrl) && options.agent !== undefined;
    // The agent client-node made is only wanted when it goes through a proxy.
    if (!proxied) (options.agent as Agent | undefined)?.destroy?.();
    return toEndpoint(cluster.server, options, proxied);
  };
}

function toEndpoint(server: string, options: HttpsOptions, proxied: boolean): TenantEndpoint {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {}))
    if (typeof value === 'string') headers[name] = value;
  const { ca, cert, key, auth, rejectUnauthorized, servername } = options;
  return {
    server,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(auth ? { auth } : {}),
    ...(rejectUnauthorized === undefined ? {} : { rejectUnauthorized }),
    ...(servername ? { servername } : {}),
    ...(proxied ? { proxyAgent: options.agent as Agent } : {}),
  };
}
