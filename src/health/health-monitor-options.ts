/** How a HealthMonitor paces itself and whom it tells what. */
export interface HealthMonitorOptions {
  /** How often the database is read for clusters and machines (default 10 s). */
  discoveryIntervalMs?: number;
  /** How often every cluster is evaluated even without events (default 30 s). */
  sweepIntervalMs?: number;
  /** Wait before asking again a cluster that answered busy (default 5 s). */
  busyRetryMs?: number;
  /** Wait before asking again for a machine whose repair was refused (default 60 s). */
  refusedRetryMs?: number;
  /** Clusters connected at once while watches start (default 16). */
  connectConcurrency?: number;
  watchTimeoutSeconds?: number;
  watchBackoffMs?: { initial: number; max: number };
  /** This monitor's name among the running ones (default: a random one). */
  monitorId?: string;
  /**
   * A monitor not heard from for this long is taken as gone and its clusters are shared out
   * (default three discovery intervals).
   */
  memberTimeoutMs?: number;
  /**
   * Between a monitor's first heartbeat and its first discovery (default a fifth of the
   * discovery interval, at most 2 s): monitors that start together see each other.
   */
  joinDelayMs?: number;
  /** Told how many watches a discovery started, once they are listed and watching. */
  onWatchesStarted?: (count: number) => void;
  now?: () => Date;
}
