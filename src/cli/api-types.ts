import type { Operation } from '@kaas/sdk';

/** The API's types, as the generated SDK declares them. */
export type { Addon, Cluster, Machine, Operation, OperationStep } from '@kaas/sdk';
import type { ClusterCreateRequest } from '@kaas/sdk';
/** A pool as a request may give it: everything but name and replicas has a default. */
export type NodePoolSpec = NonNullable<ClusterCreateRequest['spec']['nodePools']>[number];
export type OperationStatus = Operation['status'];

export interface List<T> {
  items: T[];
  nextCursor?: string;
}

export const TERMINAL_STATUSES: readonly OperationStatus[] = ['Succeeded', 'Failed', 'Cancelled'];
