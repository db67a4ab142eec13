/** Every queue, its jobs and their payloads: ids only, the database holds the truth. */
export const QUEUES = {
  reconcile: 'reconcile',
  maintenance: 'maintenance',
  addons: 'addons',
} as const;

export interface JobPayloads {
  'reconcile-cluster': { clusterId: string };
  'resync-clusters': Record<string, never>;
  /** One add-on of one cluster brought to what the spec says (a child of the add-ons flow). */
  'reconcile-addon': { clusterId: string; addon: string };
  /** The add-ons flow's parent: runs once every child has finished, and wakes the cluster. */
  'addons-finished': { clusterId: string };
  'sweep-orphans': Record<string, never>;
  /** Every live cluster looked at once, operation or not: what the provider says of its machines. */
  'observe-clusters': Record<string, never>;
}
export type JobName = keyof JobPayloads;

export const JOB_QUEUE: Record<JobName, (typeof QUEUES)[keyof typeof QUEUES]> = {
  'reconcile-cluster': QUEUES.reconcile,
  'resync-clusters': QUEUES.maintenance,
  'reconcile-addon': QUEUES.addons,
  'addons-finished': QUEUES.addons,
  'sweep-orphans': QUEUES.maintenance,
  'observe-clusters': QUEUES.maintenance,
};

/**
 * One add-ons flow per cluster at a time: two jobs never work on the same add-on at once, and a
 * spec change made while a flow runs is picked up by the next one.
 */
export function addonsFlowJobId(clusterId: string): string {
  return `addons-${clusterId}`;
}

/** One waiting reconcile per cluster: the job id is the cluster's. */
export function reconcileJobId(clusterId: string): string {
  return `cluster-${clusterId}`;
}

export const RESYNC_SCHEDULER_ID = 'resync-clusters';
export const SWEEP_SCHEDULER_ID = 'sweep-orphans';
export const OBSERVE_SCHEDULER_ID = 'observe-clusters';
