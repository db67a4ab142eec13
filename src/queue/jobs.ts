/** Every queue, its jobs and their payloads: ids only, the database holds the truth. */
export const QUEUES = {
  reconcile: 'reconcile',
  maintenance: 'maintenance',
} as const;

export interface JobPayloads {
  'reconcile-cluster': { clusterId: string };
  'resync-clusters': Record<string, never>;
  'sweep-orphans': Record<string, never>;
}
export type JobName = keyof JobPayloads;

export const JOB_QUEUE: Record<JobName, (typeof QUEUES)[keyof typeof QUEUES]> = {
  'reconcile-cluster': QUEUES.reconcile,
  'resync-clusters': QUEUES.maintenance,
  'sweep-orphans': QUEUES.maintenance,
};

/** One waiting reconcile per cluster: the job id is the cluster's. */
export function reconcileJobId(clusterId: string): string {
  return `cluster-${clusterId}`;
}

export const RESYNC_SCHEDULER_ID = 'resync-clusters';
export const SWEEP_SCHEDULER_ID = 'sweep-orphans';
