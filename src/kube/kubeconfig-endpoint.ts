import { parse } from 'yaml';
import { endpointOf, type EndpointSource, type TenantEndpoint } from './tenant-endpoint.js';

type Entry = Record<string, unknown>;

/** What a kubeconfig may say of a cluster for it to be read here. */
const PLAIN_CLUSTER = new Set([
  'server',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
]);
/** What it may say of a user: credentials inline, nothing to run, read or refresh. */
const PLAIN_USER = new Set(['client-certificate-data', 'client-key-data', 'token']);

/** The cluster and user of a kubeconfig's current context, as written; undefined if it has none. */
export function currentContext(kubeconfig: string): { cluster: Entry; user: Entry } | undefined {
  let document: unknown;
  try {
    document = parse(kubeconfig);
  } catch {
    return undefined;
  }
  if (!isEntry(document)) return undefined;
  const context = named(document.contexts, document['current-context'], 'context');
  if (!context) return undefined;
  const cluster = named(document.clusters, context.cluster, 'cluster');
  if (!cluster) return undefined;
  return { cluster, user: named(document.users, context.user, 'user') ?? {} };
}

/**
 * Where a kubeconfig's current context points, read without client-node when the kubeconfig
 * carries its credentials inline: a CA, a client certificate and key, or a bearer token, as
 * kubeadm's, kind's and kwokctl's do. Any other (an exec plugin, an auth provider, files, a
 * proxy) is read by client-node, loaded for it. The health monitor reads one per watched cluster,
 * and a process that watches a thousand clusters has no room for client-node's ~60 MB.
 */
export function endpointFromKubeconfig(kubeconfig: string): EndpointSource {
  const plain = plainEndpoint(kubeconfig);
  if (plain) return async () => plain;
  let loaded: EndpointSource | undefined;
  return async () => {
    if (!loaded) {
      const { KubeConfig } = await import('@kubernetes/client-node');
      const config = new KubeConfig();
      config.loadFromString(kubeconfig);
      loaded = endpointOf(config);
    }
    return loaded();
  };
}

/** The endpoint when the kubeconfig is plain (see above), else undefined. */
export function plainEndpoint(kubeconfig: string): TenantEndpoint | undefined {
  const context = currentContext(kubeconfig);
  if (!context) return undefined;
  const { cluster, user } = context;
  if (!Object.keys(cluster).every((key) => PLAIN_CLUSTER.has(key))) return undefined;
  if (!Object.keys(user).every((key) => PLAIN_USER.has(key))) return undefined;
  const server = cluster.server;
  if (typeof server !== 'string' || !server) return undefined;
  const ca = decoded(cluster['certificate-authority-data']);
  const cert = decoded(user['client-certificate-data']);
  const key = decoded(user['client-key-data']);
  const token = user.token;
  const servername = cluster['tls-server-name'];
  return {
    server,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(typeof token === 'string' && token
      ? { headers: { Authorization: `Bearer ${token}` } }
      : {}),
    ...(cluster['insecure-skip-tls-verify'] === true ? { rejectUnauthorized: false } : {}),
    ...(typeof servername === 'string' && servername ? { servername } : {}),
  };
}

function decoded(value: unknown): string | undefined {
  return typeof value === 'string' && value
    ? Buffer.from(value, 'base64').toString('utf8')
    : undefined;
}

function isEntry(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `field` of the list entry called `name` (kubeconfig lists are `{ name, <field>: … }`). */
function named(list: unknown, name: unknown, field: string): Entry | undefined {
  if (!Array.isArray(list) || typeof name !== 'string') return undefined;
  const entry: unknown = list.find((item) => isEntry(item) && item.name === name);
  if (!isEntry(entry)) return undefined;
  const value = entry[field];
  if (isEntry(value)) return value;
  return value === null || value === undefined ? {} : undefined;
}
