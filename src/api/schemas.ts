import { z } from 'zod';
import {
  ADDON_PHASES,
  CLUSTER_PHASES,
  clusterName,
  clusterCreateSpecSchema,
  clusterSpecPatchSchema,
  clusterSpecSchema,
  PROVIDER_NAMES,
} from '../domain/cluster.js';
import { dnsLabel, plainText } from '../domain/names.js';
import { OPERATION_STATUSES, OPERATION_TYPES, STEP_STATUSES } from '../domain/operation.js';
import { MACHINE_PHASES, MACHINE_ROLES } from '../domain/machine.js';
import { ROLES } from '../auth/principal.js';
import { cursorSchema } from './http/pagination.js';

/**
 * The API's shapes, once: requests are validated with them and the OpenAPI document is
 * generated from them, so the two cannot drift.
 */
const timestamp = z.iso.datetime();

export const ClusterCreateRequest = z
  .strictObject({ name: clusterName, spec: clusterCreateSpecSchema })
  .meta({
    id: 'ClusterCreateRequest',
    description: 'A new cluster: its name in the project and its spec.',
  });

export const ClusterPatchRequest = z
  .strictObject({
    spec: clusterSpecPatchSchema
      .optional()
      .meta({ description: 'JSON merge patch (RFC 7386) applied to the spec' }),
  })
  .meta({
    id: 'ClusterPatchRequest',
    description: 'A JSON merge patch of the cluster; arrays such as nodePools are replaced whole.',
  });

export const ScaleNodePoolRequest = z
  .strictObject({ replicas: z.int().min(0) })
  .meta({ id: 'ScaleNodePoolRequest' });

export const RepairMachineRequest = z
  .strictObject({
    /** Why, for the Operation and the cluster's events. */
    reason: plainText(0, 200).optional(),
  })
  .meta({ id: 'RepairMachineRequest' });

export const ProjectCreateRequest = z
  .strictObject({
    name: dnsLabel(40),
    displayName: plainText(0, 200).default(''),
    quotas: z
      .strictObject({
        clusters: z.int().min(0).max(10_000).optional(),
        nodes: z.int().min(0).max(1_000_000).optional(),
      })
      .default({}),
  })
  .meta({ id: 'ProjectCreateRequest' });

export const TokenCreateRequest = z
  .strictObject({
    name: plainText(1, 100),
    role: z.enum(ROLES),
    expiresInSeconds: z
      .int()
      .min(60)
      .max(366 * 24 * 3600)
      .optional(),
  })
  .meta({ id: 'TokenCreateRequest' });

const condition = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string(),
  message: z.string(),
  lastTransitionTime: timestamp,
  observedGeneration: z.int(),
});

export const ClusterStatusSchema = z
  .object({
    phase: z.enum(CLUSTER_PHASES),
    conditions: z.array(condition),
    endpoint: z.string().optional(),
    controlPlaneVersion: z.string().optional(),
    nodeCounts: z.object({ desired: z.int(), total: z.int(), ready: z.int() }),
    nodePools: z.array(
      z.object({
        name: z.string(),
        desiredReplicas: z.int(),
        replicas: z.int(),
        readyReplicas: z.int(),
        versions: z.array(z.string()),
      }),
    ),
    observedGeneration: z.int(),
    currentOperationId: z.string().optional(),
    addons: z
      .array(
        z.object({
          name: z.string(),
          version: z.string(),
          phase: z.enum(ADDON_PHASES),
          message: z.string().optional(),
        }),
      )
      .optional()
      .meta({ description: 'Each add-on as its install jobs last recorded it' }),
  })
  .meta({ id: 'ClusterStatus' });

export const ClusterSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    project: z.string(),
    generation: z.int(),
    resourceVersion: z
      .string()
      .meta({ description: 'Send as If-Match to update only what you read' }),
    createdAt: timestamp,
    updatedAt: timestamp,
    deletionRequestedAt: timestamp.optional(),
    spec: clusterSpecSchema,
    status: ClusterStatusSchema,
  })
  .meta({ id: 'Cluster' });

export const ClusterListSchema = z
  .object({ items: z.array(ClusterSchema), nextCursor: z.string().optional() })
  .meta({ id: 'ClusterList' });

const operationError = z.object({ reason: z.string(), message: z.string(), at: timestamp });

export const OperationStepSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    status: z.enum(STEP_STATUSES),
    done: z.int(),
    total: z.int(),
    message: z.string().optional(),
    startedAt: timestamp.optional(),
    finishedAt: timestamp.optional(),
  })
  .meta({ id: 'OperationStep' });

export const OperationSchema = z
  .object({
    id: z.uuid(),
    project: z.string(),
    type: z.enum(OPERATION_TYPES),
    status: z.enum(OPERATION_STATUSES),
    clusterId: z.uuid(),
    clusterName: z.string(),
    targetGeneration: z.int(),
    progress: z.int().min(0).max(100).meta({ description: 'Percent of the planned work done' }),
    steps: z.array(OperationStepSchema),
    error: operationError
      .optional()
      .meta({ description: 'Why the Operation failed or was cancelled' }),
    lastError: operationError
      .optional()
      .meta({ description: 'The last transient error, while retrying' }),
    attempts: z.int(),
    requestedBy: z.string().optional(),
    createdAt: timestamp,
    startedAt: timestamp.optional(),
    updatedAt: timestamp,
    finishedAt: timestamp.optional(),
  })
  .meta({ id: 'Operation' });

export const OperationListSchema = z
  .object({ items: z.array(OperationSchema), nextCursor: z.string().optional() })
  .meta({ id: 'OperationList' });

export const PlanSchema = z
  .object({
    dryRun: z.literal(true),
    operationType: z.enum(OPERATION_TYPES),
    steps: z.array(z.object({ name: z.string(), description: z.string(), total: z.int() })),
    spec: clusterSpecSchema.optional(),
  })
  .meta({
    id: 'Plan',
    description:
      'What the request would do: the ordered steps of the reconcile. Nothing was changed.',
  });

export const MachineSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: z.enum(MACHINE_ROLES),
    pool: z.string().optional(),
    phase: z.enum(MACHINE_PHASES),
    providerId: z.string().optional(),
    nodeName: z.string().optional(),
    version: z.string(),
    failureReason: z.string().optional(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Machine' });

export const MachineListSchema = z
  .object({ items: z.array(MachineSchema), nextCursor: z.string().optional() })
  .meta({ id: 'MachineList' });

export const ProjectSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    displayName: z.string(),
    quotas: z.object({ clusters: z.int(), nodes: z.int() }),
    createdAt: timestamp,
  })
  .meta({ id: 'Project' });

export const ProjectListSchema = z
  .object({ items: z.array(ProjectSchema), nextCursor: z.string().optional() })
  .meta({ id: 'ProjectList' });

export const TokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: z.enum(ROLES),
    prefix: z.string(),
    createdAt: timestamp,
    expiresAt: timestamp.optional(),
    lastUsedAt: timestamp.optional(),
  })
  .meta({ id: 'Token' });

export const TokenCreatedSchema = TokenSchema.extend({
  token: z.string().meta({ description: 'The secret; shown only in this response' }),
}).meta({ id: 'TokenCreated' });

export const TokenListSchema = z.object({ items: z.array(TokenSchema) }).meta({ id: 'TokenList' });

export const AuditRecordSchema = z
  .object({
    id: z.int(),
    at: timestamp,
    tokenId: z.string().optional(),
    method: z.string(),
    path: z.string(),
    action: z.string().optional(),
    statusCode: z.int(),
    outcome: z.enum(['success', 'denied', 'failure']),
    requestId: z.string().optional(),
  })
  .meta({ id: 'AuditRecord' });

export const AuditRecordListSchema = z
  .object({ items: z.array(AuditRecordSchema), nextCursor: z.string().optional() })
  .meta({ id: 'AuditRecordList' });

export const ClusterEventSchema = z
  .object({
    id: z.int(),
    at: timestamp,
    type: z.enum(['Normal', 'Warning']),
    reason: z.string(),
    message: z.string(),
  })
  .meta({ id: 'ClusterEvent' });

export const ClusterEventListSchema = z
  .object({ items: z.array(ClusterEventSchema), nextCursor: z.string().optional() })
  .meta({ id: 'ClusterEventList' });

export const KubeconfigSchema = z
  .object({
    kubeconfig: z.string().meta({ description: 'kubeconfig YAML with cluster-admin credentials' }),
  })
  .meta({ id: 'Kubeconfig' });

const addonArtefact = z.object({
  file: z.string(),
  url: z.string().optional(),
  bundled: z.string().optional().meta({
    description: 'shipped with kaas at this path of its package: no download, no mirror',
  }),
  sha256: z.string(),
  type: z.enum(['manifest', 'helm-chart', 'example']),
});

export const AddonSchema = z
  .object({
    name: z.string(),
    title: z.string(),
    description: z.string(),
    category: z.enum(['load-balancer', 'gpu', 'ingress', 'ml']),
    availability: z
      .enum(['available', 'planned'])
      .meta({ description: 'planned: listed, but enabling it answers 422 until it ships' }),
    plannedNote: z.string().optional(),
    defaultEnabled: z
      .enum(['always', 'gpu-pools', 'never'])
      .meta({ description: 'When the add-on is installed without being named in spec.addons' }),
    defaultVersion: z.string().optional(),
    versions: z.array(
      z.object({
        version: z.string(),
        kubernetesVersions: z.array(z.string()),
        notes: z.string().optional(),
        variants: z.array(
          z.object({
            providers: z.array(z.enum(PROVIDER_NAMES)),
            component: z.string(),
            componentVersion: z.string(),
            namespace: z.string(),
            artefacts: z.array(addonArtefact),
            defaultConfig: z.record(z.string(), z.unknown()),
            notes: z.string().optional(),
          }),
        ),
      }),
    ),
  })
  .meta({
    id: 'Addon',
    description: 'An add-on of the catalogue, with every version kaas can install',
  });

export const AddonListSchema = z.object({ items: z.array(AddonSchema) }).meta({ id: 'AddonList' });

export const ServerConfigSchema = z
  .object({
    providers: z.array(z.enum(PROVIDER_NAMES)),
    kubernetesVersions: z.array(z.string()),
    defaultKubernetesVersion: z.string(),
    limits: z.object({ maxPoolReplicas: z.int() }),
    versionsByProvider: z.array(
      z.object({
        provider: z.enum(PROVIDER_NAMES),
        versions: z.array(
          z.object({ version: z.string(), available: z.boolean(), artefact: z.string() }),
        ),
        defaultVersion: z.string().optional().meta({
          description:
            'What a new cluster on this provider gets when its spec names no kubernetesVersion',
        }),
      }),
    ),
    upgradeRules: z.object({
      controlPlaneMinorsPerUpgrade: z.int(),
      kubeletMaxMinorSkew: z.int(),
      downgrades: z.boolean(),
    }),
  })
  .meta({ id: 'ServerConfig' });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const operationListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: cursorSchema.optional(),
  cluster: clusterName.optional(),
  status: z.enum(OPERATION_STATUSES).optional(),
});

export const dryRunQuery = z.strictObject({
  dryRun: z.enum(['true', 'false']).optional(),
});

export type ClusterView = z.output<typeof ClusterSchema>;
export type OperationView = z.output<typeof OperationSchema>;
export type MachineView = z.output<typeof MachineSchema>;
export type ProjectView = z.output<typeof ProjectSchema>;
export type TokenView = z.output<typeof TokenSchema>;
export type PlanView = z.output<typeof PlanSchema>;
export type AddonView = z.output<typeof AddonSchema>;
