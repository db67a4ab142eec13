import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** The name this worker process goes by: its cluster leases and its health monitor's heartbeat. */
export const WORKER_ID = Symbol('WorkerId');

/** Host, pid and a random suffix, so that a restarted process on the same pid is another. */
export function newWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}
