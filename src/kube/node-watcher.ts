import { Watch, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { CoreV1Api } from '@kubernetes/client-node';
import type { TenantNode } from '../providers/infrastructure-provider.js';
import { toTenantNode } from './tenant-client.js';

/** A watch with no event nor bookmark for this long is taken as dead and renewed. */
const INACTIVITY_TIMEOUT_MS = 75_000;

function isInactivityTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

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

/**
 * Watches a tenant cluster's nodes: list, then watch from the list's resourceVersion; on any
 * end or error, list again (so nothing missed while disconnected is lost) and watch anew,
 * backing off while the API server does not answer. Events for nodes that changed while
 * disconnected are replayed from the fresh list.
 */
export class NodeWatcher {
  private readonly known = new Map<string, TenantNode>();
  private abort?: AbortController;
  private stopped = false;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private listed = false;

  constructor(
    private readonly config: KubeConfig,
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

  async start(): Promise<void> {
    await this.cycle();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort?.abort();
  }

  private async cycle(): Promise<void> {
    if (this.stopped) return;
    try {
      const resourceVersion = await this.relist();
      const timeout = this.options.watchTimeoutSeconds ?? 300;
      const watch = new Watch(this.config);
      // client-node ends a watch that received nothing for 30 s, which would relist every quiet
      // cluster twice a minute; the server's bookmarks (about one a minute) keep a live watch
      // busier than the longer limit, so only a dead connection still ends on it.
      (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = INACTIVITY_TIMEOUT_MS;
      this.abort = await watch.watch(
        '/api/v1/nodes',
        {
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.max(1, Math.round(timeout * (0.9 + Math.random() * 0.2))),
          ...(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {}),
        },
        (type, object: V1Node) => this.apply(type, object),
        (error: unknown) => this.restart(isInactivityTimeout(error) ? null : error),
      );
      this.failures = 0;
    } catch (error) {
      this.restart(error);
    }
  }

  /** Lists all nodes, emitting what changed since last seen; returns the list's resourceVersion. */
  private async relist(): Promise<string | undefined> {
    const list = await this.config
      .makeApiClient(CoreV1Api)
      .listNode(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {});
    const seen = new Set<string>();
    for (const item of list.items) {
      const node = toTenantNode(item);
      seen.add(node.name);
      const before = this.known.get(node.name);
      if (!before) this.emit('ADDED', node);
      else if (JSON.stringify(before) !== JSON.stringify(node)) this.emit('MODIFIED', node);
    }
    for (const [name, node] of this.known) if (!seen.has(name)) this.emit('DELETED', node);
    this.listed = true;
    return list.metadata?.resourceVersion;
  }

  private apply(type: string, object: V1Node): void {
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
    this.emit(type, toTenantNode(object));
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
