import type { ConditionReason } from '../../domain/conditions.js';
import type { Condition } from '../../domain/conditions.js';
import type { ClusterRecord, MachineRecord } from '../../persistence/records.js';
import type { MachinesRepository } from '../../persistence/machines.repository.js';
import type {
  ClusterRef,
  InfrastructureProvider,
  TenantCluster,
} from '../../providers/infrastructure-provider.js';
import type { ProgressReporter } from './progress-reporter.js';
import type { ClusterAddonRecord } from '../../persistence/addons.repository.js';

/** What the add-ons phase needs: the installed add-ons and the flow of jobs that change them. */
export interface AddonsPort {
  list(clusterId: string): Promise<ClusterAddonRecord[]>;
  flowRunning(clusterId: string): Promise<boolean>;
  startFlow(clusterId: string, addons: string[]): Promise<void>;
}

/** What one reconcile pass knows and may touch. Phases read it and record what they saw. */
export interface ReconcileContext {
  cluster: ClusterRecord;
  ref: ClusterRef;
  provider: InfrastructureProvider;
  machines: MachinesRepository;
  progress: ProgressReporter;
  /** Machines not yet gone, refreshed by the phases that change them. */
  existing: MachineRecord[];
  endpoint?: string;
  readyNodes?: Set<string>;
  /** Nodes registered with the tenant API server, Ready or not. */
  joinedNodes?: Set<string>;
  /** Soonest moment (epoch ms) a booting machine should be ready, from provider hints. */
  bootDeadline?: number;
  conditions: Condition[];
  /** Absent where no add-on jobs run (tests of the machine phases alone). */
  addons?: AddonsPort;
  tenant(): Promise<TenantCluster>;
  /** An event for people, written when the pass ends. */
  recordEvent(type: 'Normal' | 'Warning', reason: string, message: string): void;
  setCondition(
    type: Condition['type'],
    ok: boolean,
    reason: ConditionReason,
    message: string,
  ): void;
}

export type PhaseResult = { done: true } | { done: false; requeueAfterMs: number; message: string };

export const DONE: PhaseResult = { done: true };

export function waitFor(message: string, requeueAfterMs: number): PhaseResult {
  return { done: false, requeueAfterMs, message };
}

/** How soon to look again while machines boot, absent a hint from the provider. */
export const POLL_MS = 1_000;

/** The first look again at something that is usually a moment away. */
export const QUICK_POLL_MS = 100;

/**
 * How soon to look again at something that has been awaited since `sinceMs` (epoch ms): a
 * quarter of the wait so far, from QUICK_POLL_MS up to POLL_MS. What comes within a moment
 * (a node turning Ready after it joined) is seen within a moment, and a long wait settles at
 * one look a second.
 */
export function pollAfterMs(sinceMs: number, now = Date.now()): number {
  if (!Number.isFinite(sinceMs)) return POLL_MS;
  return Math.min(POLL_MS, Math.max(QUICK_POLL_MS, Math.round((now - sinceMs) / 4)));
}
