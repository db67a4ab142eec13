import https from 'node:https';
import tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { V1Node } from '@kubernetes/client-node';
import type { TenantNode } from '../providers/infrastructure-provider.js';
import type { EndpointSource, TenantEndpoint } from './tenant-endpoint.js';
import { toTenantNode } from './tenant-node.js';

/** A watch with no event nor bookmark for this long is taken as dead and renewed. */
const INACTIVITY_TIMEOUT_MS = 75_000;
const LIST_TIMEOUT_MS = 30_000;

export type NodeEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface NodeEvent {
  type: NodeEventType;
  node: TenantNode;
}

export interface NodeWatcherOptions {
  /**
   * Ask the server to end each watch after about this long (default 300 s, ±10 % so that many
   * watchers started together do not relist together); each end relists, a periodic resync.
   */
  watchTimeoutSeconds?: number;
  /** Watch only the nodes with these labels, e.g. `kaas.dev/cluster=<id>`. */
  labelSelector?: string;
  /** First and largest pause before reconnecting after an error. */
  backoffMs?: { initial: number; max: number };
  onError?: (error: unknown) => void;
}

/** An API server's answer other than 200. */
export class KubeStatusError extends Error {
  constructor(
    readonly statusCode: number,
    body: string,
  ) {
    super(`the API server answered ${statusCode}: ${body.slice(0, 300)}`);
  }
}

interface NodeList {
  items: V1Node[];
  metadata?: { resourceVersion?: string };
}

interface WatchLine {
  type: string;
  object: V1Node & { code?: number };
}

/**
 * Watches a tenant cluster's nodes: list, then watch from the list's resourceVersion; on any
 * end or error, list again (so nothing missed while disconnected is lost) and watch anew,
 * backing off while the API server does not answer. Events for nodes that changed while
 * disconnected are replayed from the fresh list.
 *
 * It speaks HTTP itself, with the endpoint's credentials, rather than through client-node's
 * Watch and CoreV1Api: a monitor holds one watch per tenant cluster, and those carry fetch,
 * web streams, readline and a deserialised object model per watch and per list — about three
 * times the memory and CPU of a plain request and a line splitter (bench/health-monitor.mjs).
 * Nor does it load client-node at all (see `TenantEndpoint`).
 */
export class NodeWatcher {
  private readonly known = new Map<string, TenantNode>();
  private stopped = false;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private listed = false;
  private agent?: https.Agent;
  /** What the agent's TLS settings were made from (the agent holds the same values). */
  private agentTls?: TlsSettings;
  private server?: string;
  private request?: { destroy(error?: Error): void };

  constructor(
    private readonly endpoint: EndpointSource,
    private readonly onEvent: (event: NodeEvent) => void,
    private readonly options: NodeWatcherOptions = {},
  ) {}

  /** The nodes as last seen. */
  nodes(): TenantNode[] {
    return [...this.known.values()];
  }

  /** True once a list succeeded: from then on a node missing here is missing in the cluster. */
  hasListed(): boolean {
    return this.listed;
  }

  /** Failed cycles in a row: the API server does not answer, or no longer where it was. */
  consecutiveFailures(): number {
    return this.failures;
  }

  async start(): Promise<void> {
    await this.cycle();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.request?.destroy();
    this.agent?.destroy();
  }

  private async cycle(): Promise<void> {
    if (this.stopped) return;
    try {
      const options = await this.requestOptions();
      const resourceVersion = await this.relist(options);
      if (this.stopped) return;
      this.watch(options, resourceVersion);
      this.failures = 0;
    } catch (error) {
      this.restart(error);
    }
  }

  /**
   * Credentials afresh each cycle (tokens expire), over one keep-alive agent for the watcher's
   * life: the watch reuses the list's connection, and a reconnect resumes the TLS session. A new
   * CA or client certificate (the kubeconfig was read again) gets a new agent.
   */
  private async requestOptions(): Promise<https.RequestOptions> {
    const endpoint = await this.endpoint();
    this.server = endpoint.server;
    const options: https.RequestOptions = {
      ...(endpoint.headers ? { headers: endpoint.headers } : {}),
      ...(endpoint.auth ? { auth: endpoint.auth } : {}),
    };
    if (endpoint.proxyAgent) {
      if (this.agent !== endpoint.proxyAgent) this.agent?.destroy();
      this.agent = endpoint.proxyAgent;
      this.agentTls = undefined;
      return { ...options, agent: this.agent };
    }
    if (!this.agent || !this.agentTls || !sameTls(this.agentTls, endpoint)) {
      this.agent?.destroy();
      const settings: TlsSettings = {
        ...(endpoint.ca ? { ca: endpoint.ca } : {}),
        ...(endpoint.cert ? { cert: endpoint.cert } : {}),
        ...(endpoint.key ? { key: endpoint.key } : {}),
        ...(endpoint.servername ? { servername: endpoint.servername } : {}),
        ...(endpoint.rejectUnauthorized === undefined
          ? {}
          : { rejectUnauthorized: endpoint.rejectUnauthorized }),
      };
      this.agentTls = settings;
      this.agent = new TenantAgent(settings);
    }
    return { ...options, agent: this.agent };
  }

  private url(query: Record<string, string>): URL {
    if (!this.server) throw new Error('the endpoint names no server');
    const url = new URL('/api/v1/nodes', this.server);
    if (this.options.labelSelector)
      url.searchParams.set('labelSelector', this.options.labelSelector);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return url;
  }

  /** Lists the nodes, emitting what changed since last seen; returns the list's resourceVersion. */
  private async relist(options: https.RequestOptions): Promise<string | undefined> {
    const list = await this.getNodes(options, this.url({}));
    const seen = new Set<string>();
    for (const node of list.nodes) {
      seen.add(node.name);
      const before = this.known.get(node.name);
      if (!before) this.emit('ADDED', node);
      else if (JSON.stringify(before) !== JSON.stringify(node)) this.emit('MODIFIED', node);
    }
    for (const [name, node] of this.known) if (!seen.has(name)) this.emit('DELETED', node);
    this.listed = true;
    return list.resourceVersion;
  }

  /**
   * GETs the node list and keeps only what a TenantNode needs: the request's listeners outlive
   * it on a keep-alive connection, and whatever they hold (the body text) would stay in memory.
   */
  private getNodes(
    options: https.RequestOptions,
    url: URL,
  ): Promise<{ nodes: TenantNode[]; resourceVersion?: string }> {
    return new Promise((resolve, reject) => {
      const request = https.get(url, { ...options, timeout: LIST_TIMEOUT_MS }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('error', reject);
        response.on('end', () => {
          const body = text;
          text = '';
          if (response.statusCode !== 200)
            return reject(new KubeStatusError(response.statusCode ?? 0, body));
          try {
            const list = JSON.parse(body) as NodeList;
            const resourceVersion = list.metadata?.resourceVersion;
            resolve({
              nodes: list.items.map(toTenantNode),
              ...(resourceVersion ? { resourceVersion } : {}),
            });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      });
      request.on('timeout', () =>
        request.destroy(new Error(`no answer to ${url.pathname} in time`)),
      );
      request.on('error', reject);
      this.request = request;
    });
  }

  private watch(options: https.RequestOptions, resourceVersion: string | undefined): void {
    const timeout = this.options.watchTimeoutSeconds ?? 300;
    const url = this.url({
      watch: 'true',
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(Math.max(1, Math.round(timeout * (0.9 + Math.random() * 0.2)))),
      ...(resourceVersion ? { resourceVersion } : {}),
    });
    let ended = false;
    const end = (error: unknown) => {
      if (ended) return;
      ended = true;
      request.destroy();
      this.restart(error);
    };
    const request = https.get(url, { ...options, timeout: INACTIVITY_TIMEOUT_MS }, (response) =>
      this.stream(response, end),
    );
    // No byte for this long, not even a bookmark: the connection is taken as dead.
    request.on('timeout', () => end(null));
    request.on('error', (error) => end(error));
    this.request = request;
  }

  private stream(response: IncomingMessage, end: (error: unknown) => void): void {
    if (response.statusCode !== 200) {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => end(new KubeStatusError(response.statusCode ?? 0, text)));
      return;
    }
    let buffered = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim() && !this.applyLine(line, end)) return;
        newline = buffered.indexOf('\n');
      }
    });
    response.on('error', (error) => end(error));
    response.on('end', () => end(null));
  }

  /** Applies one watch line; false when the watch ended (an ERROR such as 410 Gone, or garbage). */
  private applyLine(text: string, end: (error: unknown) => void): boolean {
    let line: WatchLine;
    try {
      line = JSON.parse(text) as WatchLine;
    } catch (error) {
      end(error);
      return false;
    }
    const { type, object } = line;
    if (type === 'ERROR') {
      end(null);
      return false;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return true;
    this.emit(type, toTenantNode(object));
    return true;
  }

  private emit(type: NodeEventType, node: TenantNode): void {
    if (type === 'DELETED') this.known.delete(node.name);
    else this.known.set(node.name, node);
    this.onEvent({ type, node });
  }

  private restart(error: unknown): void {
    if (this.stopped) return;
    if (error) {
      this.failures++;
      this.options.onError?.(error);
    }
    const { initial, max } = this.options.backoffMs ?? { initial: 500, max: 30_000 };
    const delay = error ? Math.min(max, initial * 2 ** Math.min(this.failures - 1, 16)) : 0;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.cycle(), delay);
  }
}

/**
 * A keep-alive agent for one tenant API server that connects with a TLS context made once from
 * the cluster's credentials. Node's own agent would make a context per connection, keep each
 * connection's options and its first request in a `session` listener, and cache serialised TLS
 * sessions: ~10 KB a watched cluster (bench/README.md). A reconnect makes a full handshake.
 */
class TenantAgent extends https.Agent {
  private readonly context: tls.SecureContext;

  constructor(private readonly settings: TlsSettings) {
    super({ keepAlive: true });
    const { ca, cert, key } = settings;
    this.context = tls.createSecureContext({
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
    });
  }

  override createConnection(
    options: https.RequestOptions & { servername?: string },
  ): tls.TLSSocket {
    return tls.connect({
      ...(options.host ? { host: options.host } : {}),
      port: Number(options.port ?? 443),
      secureContext: this.context,
      // The kubeconfig's tls-server-name, else what the agent derived from the host (none for an IP).
      servername: this.settings.servername ?? options.servername ?? '',
      ...(this.settings.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
    });
  }
}

type TlsSettings = Pick<
  TenantEndpoint,
  'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized'
>;

/** Whether an agent made with `a` still fits `b`. */
function sameTls(a: TlsSettings, b: TlsSettings): boolean {
  const same = (x: string | Buffer | undefined, y: string | Buffer | undefined) =>
    x === y || (Buffer.isBuffer(x) && Buffer.isBuffer(y) && x.equals(y));
  return (
    same(a.ca, b.ca) &&
    same(a.cert, b.cert) &&
    same(a.key, b.key) &&
    a.servername === b.servername &&
    a.rejectUnauthorized === b.rejectUnauthorized
  );
}
