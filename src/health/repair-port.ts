export type RepairReason = 'NodeNotReady' | 'NodeNeverRegistered' | 'MachineFailed';
export interface RepairRequest {
  clusterId: string;
  machineId: string;
  reason: RepairReason;
  message: string;
}
/** 'accepted': a repair Operation was started; 'busy': the cluster has another operation running, ask again later; 'refused': e.g. control-plane quorum would be lost. */
export type RepairAnswer = 'accepted' | 'busy' | 'refused';
export interface RepairRequester {
  requestRepair(request: RepairRequest): Promise<RepairAnswer>;
}
export const REPAIR_REQUESTER = Symbol('RepairRequester');
