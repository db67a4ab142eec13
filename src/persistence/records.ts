import type * as schema from './schema.js';

export type ProjectRecord = typeof schema.projects.$inferSelect;
export type ApiTokenRecord = typeof schema.apiTokens.$inferSelect;
export type ClusterRecord = typeof schema.clusters.$inferSelect;
export type MachineRecord = typeof schema.machines.$inferSelect;
export type OperationRecord = typeof schema.operations.$inferSelect;
export type OperationStepRecord = typeof schema.operationSteps.$inferSelect;
export type AuditRecord = typeof schema.auditRecords.$inferSelect;
export type OpenStackCloudRecord = typeof schema.openstackClouds.$inferSelect;
