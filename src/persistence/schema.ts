import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { AddonPhase, ClusterSpec, ClusterStatus } from '../domain/cluster.js';
import type { ObjectRef } from '../kube/object-ref.js';
import type {
  OperationError,
  OperationStatus,
  OperationType,
  StepStatus,
} from '../domain/operation.js';
import type { MachinePhase, MachineRole } from '../domain/machine.js';
import type { Role } from '../auth/principal.js';
import type { RepairHistoryEntry, ShortCircuit } from '../health/repair-policy.js';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const projects = pgTable('projects', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull().unique(),
  displayName: text('display_name').notNull().default(''),
  quotaClusters: integer('quota_clusters').notNull(),
  quotaNodes: integer('quota_nodes').notNull(),
  createdAt: createdAt(),
});

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey(),
    /** Null for a platform administrator's token, which spans every project. */
    projectId: uuid('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    role: text('role').$type<Role>().notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    prefix: text('prefix').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [index('api_tokens_project_idx').on(t.projectId)],
);

export const clusters = pgTable(
  'clusters',
  {
    id: uuid('id').primaryKey(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    name: text('name').notNull(),
    spec: jsonb('spec').$type<ClusterSpec>().notNull(),
    status: jsonb('status').$type<ClusterStatus>().notNull(),
    generation: integer('generation').notNull().default(1),
    observedGeneration: integer('observed_generation').notNull().default(0),
    resourceVersion: integer('resource_version').notNull().default(1),
    /** Reconciling stops at this generation after a cancel, until the spec changes again. */
    pausedGeneration: integer('paused_generation'),
    deletionRequestedAt: timestamp('deletion_requested_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('clusters_project_name_live_idx')
      .on(t.projectId, t.name)
      .where(sql`${t.deletedAt} is null`),
  ],
);

export const machines = pgTable(
  'machines',
  {
    id: uuid('id').primaryKey(),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id),
    name: text('name').notNull(),
    role: text('role').$type<MachineRole>().notNull(),
    pool: text('pool'),
    providerId: text('provider_id'),
    phase: text('phase').$type<MachinePhase>().notNull(),
    nodeName: text('node_name'),
    version: text('version').notNull(),
    failureReason: text('failure_reason'),
    /** Set when the machine was chosen for removal and its drain began. */
    drainStartedAt: timestamp('drain_started_at', { withTimezone: true }),
    /** Why the machine is to be replaced by a new one (a repair), when it is. */
    replaceReason: text('replace_reason'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('machines_cluster_name_idx').on(t.clusterId, t.name)],
);

export const operations = pgTable(
  'operations',
  {
    id: uuid('id').primaryKey(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id),
    clusterName: text('cluster_name').notNull(),
    type: text('type').$type<OperationType>().notNull(),
    status: text('status').$type<OperationStatus>().notNull(),
    targetGeneration: integer('target_generation').notNull(),
    error: jsonb('error').$type<OperationError>(),
    lastError: jsonb('last_error').$type<OperationError>(),
    attempts: integer('attempts').notNull().default(0),
    requestedBy: uuid('requested_by'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    updatedAt: updatedAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('operations_cluster_idx').on(t.clusterId, t.id),
    index('operations_project_status_idx').on(t.projectId, t.status, t.id),
  ],
);

export const operationSteps = pgTable(
  'operation_steps',
  {
    operationId: uuid('operation_id')
      .notNull()
      .references(() => operations.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    status: text('status').$type<StepStatus>().notNull(),
    done: integer('done').notNull().default(0),
    total: integer('total').notNull().default(1),
    message: text('message'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.operationId, t.position] })],
);

/**
 * Each add-on as installed in a tenant cluster, written by its install job: what runs, how it
 * is, and the inventory of every object applied for it, which is all a removal may delete.
 */
export const clusterAddons = pgTable(
  'cluster_addons',
  {
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id),
    name: text('name').notNull(),
    version: text('version').notNull(),
    /** Of the version, variant and configuration last installed or being installed. */
    fingerprint: text('fingerprint').notNull(),
    phase: text('phase').$type<AddonPhase>().notNull(),
    message: text('message'),
    /** The cluster generation the last install or removal worked towards. */
    generation: integer('generation').notNull(),
    inventory: jsonb('inventory').$type<ObjectRef[]>().notNull().default([]),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.name] })],
);

/** What happened to a cluster, for people: operations ending, conditions changing, errors. */
export const clusterEvents = pgTable(
  'cluster_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    clusterId: uuid('cluster_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    type: text('type').$type<'Normal' | 'Warning'>().notNull(),
    reason: text('reason').notNull(),
    message: text('message').notNull(),
  },
  (t) => [index('cluster_events_cluster_idx').on(t.clusterId, t.id)],
);

export const auditRecords = pgTable(
  'audit_records',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    tokenId: uuid('token_id'),
    projectName: text('project_name'),
    method: text('method').notNull(),
    path: text('path').notNull(),
    action: text('action'),
    statusCode: integer('status_code').notNull(),
    outcome: text('outcome').notNull(),
    requestId: text('request_id'),
    remoteAddress: text('remote_address'),
  },
  (t) => [index('audit_records_project_idx').on(t.projectName, t.id)],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code').notNull(),
    response: jsonb('response').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.key] })],
);

/**
 * The fake provider's "cloud": resources live outside the worker process, so a killed worker
 * finds on restart what it had created, as it would on a real cloud.
 */
export const fakeCloudResources = pgTable(
  'fake_cloud_resources',
  {
    id: uuid('id').primaryKey(),
    clusterId: uuid('cluster_id').notNull(),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    attributes: jsonb('attributes').$type<Record<string, string>>().notNull().default({}),
    createdAt: createdAt(),
    readyAt: timestamp('ready_at', { withTimezone: true }).notNull(),
    failedReason: text('failed_reason'),
    deleteRequestedAt: timestamp('delete_requested_at', { withTimezone: true }),
    goneAt: timestamp('gone_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('fake_cloud_resources_name_idx').on(t.clusterId, t.kind, t.name)],
);

/**
 * What the health monitor must remember across restarts, one row per cluster: the repairs it
 * started (rate limit and backoff) and whether repair is short-circuited, with since when.
 * The monitor owns it; the API only reads the short-circuit to show it as a condition.
 */
export const clusterHealth = pgTable('cluster_health', {
  clusterId: uuid('cluster_id')
    .primaryKey()
    .references(() => clusters.id, { onDelete: 'cascade' }),
  repairs: jsonb('repairs').$type<RepairHistoryEntry[]>().notNull().default([]),
  shortCircuit: jsonb('short_circuit').$type<ShortCircuit & { since: string }>(),
  updatedAt: updatedAt(),
});
/**
 * The health monitors that are running: each writes its heartbeat at every discovery, and the
 * live ones share the clusters among them (rendezvous hashing on the ids, src/health/shards.ts).
 */
export const healthMonitors = pgTable('health_monitors', {
  id: text('id').primaryKey(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
});
/** OpenStack clouds a platform administrator registered; the credentials are an envelope. */
export const openstackClouds = pgTable('openstack_clouds', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull().unique(),
  authUrl: text('auth_url').notNull(),
  region: text('region').notNull(),
  endpointInterface: text('endpoint_interface').notNull(),
  credentialType: text('credential_type').notNull(),
  /** Envelope-encrypted JSON of the credentials (src/security/envelope.ts). */
  credentials: text('credentials').notNull(),
  caBundle: text('ca_bundle'),
  createdAt: createdAt(),
});

/** Which projects may build clusters on which cloud. */
export const openstackCloudGrants = pgTable(
  'openstack_cloud_grants',
  {
    cloudId: uuid('cloud_id')
      .notNull()
      .references(() => openstackClouds.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.cloudId, t.projectId] })],
);

/** Per-cluster secrets (CA material, bootstrap token), each an envelope; first writer wins. */
export const clusterSecrets = pgTable(
  'cluster_secrets',
  {
    clusterId: uuid('cluster_id').notNull(),
    name: text('name').notNull(),
    envelope: text('envelope').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.name] })],
);
