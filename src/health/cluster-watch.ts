import type { NodeEvent, NodeWatcher } from '../kube/node-watcher.js';
import type { StoredShortCircuit } from '../persistence/cluster-health.repository.js';
import type { ObservedNode, RepairHistoryEntry, WatchedMachine } from './repair-policy.js';
import type { WatchableCluster } from './tenant-connector.js';

/** The monitor's state of one watched cluster: its nodes as watched, its machines as stored. */
export class ClusterWatch {
  watcher?: NodeWatcher;
  machines: WatchedMachine[] = [];
  history: RepairHistoryEntry[] = [];
  shortCircuit: StoredShortCircuit | null = null;
  /** Counts by reason from the last evaluation, so the gauges can be kept as sums. */
  unhealthyByReason = new Map<string, number>();
  /** No request before this (epoch ms): the cluster answered busy. */
  busyUntil = 0;
  /** Per machine: no request before this (epoch ms), after a refusal. */
  readonly refusedUntil = new Map<string, number>();
  /** Machines already counted for the detection delay, so that a retry is not counted again. */
  readonly reported = new Set<string>();
  timer?: NodeJS.Timeout;
  scheduled = false;
  evaluating?: Promise<void>;
  again = false;
  stopped = false;

  private readonly nodes = new Map<string, ObservedNode>();

  constructor(public cluster: WatchableCluster) {}

  /**
   * Keeps when each node stopped being Ready. A node going from False to Unknown (the kubelet
   * said NotReady, then the node controller lost it) keeps the earlier time: the timeout counts
   * from the moment the node stopped being Ready, not from its last transition.
   */
  apply(event: NodeEvent): void {
    const { node } = event;
    if (event.type === 'DELETED') {
      this.nodes.delete(node.name);
      return;
    }
    const before = this.nodes.get(node.name);
    let readySince = node.readySince ?? new Date().toISOString();
    if (before && !before.ready && !node.ready && before.readySince) readySince = before.readySince;
    this.nodes.set(node.name, { name: node.name, ready: node.ready, readySince });
  }

  observedNodes(): ReadonlyMap<string, ObservedNode> {
    return this.nodes;
  }

  synced(): boolean {
    return this.watcher?.hasListed() ?? false;
  }
}
