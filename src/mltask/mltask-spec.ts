import { z } from 'zod';
import { DNS_LABEL } from '../domain/names.js';

/** The API group, version and names of the MLTask custom resource. */
export const MLTASK_GROUP = 'ml.kaas.dev';
export const MLTASK_VERSION = 'v1alpha1';
export const MLTASK_API_VERSION = `${MLTASK_GROUP}/${MLTASK_VERSION}`;
export const MLTASK_KIND = 'MLTask';
export const MLTASK_PLURAL = 'mltasks';
export const MLTASK_CRD_NAME = `${MLTASK_PLURAL}.${MLTASK_GROUP}`;

/** Indexed Job pods are named `<task>-<index>-<suffix>`; 52 leaves room for both. */
export const MLTASK_NAME_MAX = 52;
export const mlTaskName = z
  .string()
  .min(1)
  .max(MLTASK_NAME_MAX)
  .regex(DNS_LABEL, 'must be a DNS-1123 label: lowercase letters, digits and -');

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const quantity = (example: string) =>
  z.string().max(32).regex(QUANTITY, `a Kubernetes quantity such as ${example}`);

const DURATION = /^([0-9]+h)?([0-9]+m)?([0-9]+s)?$/;
const duration = z
  .string()
  .min(2)
  .max(16)
  .regex(DURATION, 'a duration such as 90m, 2h or 1h30m')
  .refine((v) => durationSeconds(v) > 0, 'must be longer than 0s');

const gpuType = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, 'a GPU product label such as nvidia-l4');

/* eslint-disable no-control-regex -- keeping NUL out is what these patterns are for */
const mountPath = z
  .string()
  .max(256)
  .regex(/^\/[^:\u0000]*$/, 'an absolute path without ":"');

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Any text but NUL, which neither the kaas API nor the Kubernetes API stores. */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\u0000]*$/, 'must not contain NUL');

/** Where data is read from or the model is written to: a URI handed to the code, or a claim. */
const location = (defaultPath: string) =>
  z
    .strictObject({
      /** Handed to the workers as an environment variable; the training code reads or writes it. */
      uri: z
        .string()
        .max(2048)
        .regex(/^[a-z][a-z0-9+.-]*:\/\/[^\s\u0000]+$/, 'a URI such as s3://bucket/path')
        .optional(),
      /** A PersistentVolumeClaim in the task's namespace, mounted at mountPath. */
      claimName: z.string().max(253).regex(DNS_LABEL, 'a PersistentVolumeClaim name').optional(),
      mountPath: mountPath.default(defaultPath),
    })
    .refine((l) => (l.uri === undefined) !== (l.claimName === undefined), {
      message: 'give exactly one of uri and claimName',
    });

export const SCRATCH_KINDS = ['disk', 'memory', 'volume'] as const;

export const mlTaskSpecSchema = z
  .strictObject({
    image: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[^\s\u0000]+$/, 'a container image reference without spaces'),
    command: z.array(text(4096)).min(1).max(64),
    args: z.array(text(4096)).max(256).optional(),
    env: z
      .array(
        z.strictObject({
          name: z.string().max(128).regex(ENV_NAME, 'an environment variable name'),
          value: text(32_768),
        }),
      )
      .max(64)
      .optional(),
    /** Workers run at once, one pod each; 2 or more get a headless Service to find each other. */
    workers: z.int().min(1).max(128).default(1),
    resources: z
      .strictObject({
        gpus: z.int().min(0).max(16).default(0),
        gpuType: gpuType.optional(),
        cpu: quantity('4 or 500m').optional(),
        memory: quantity('16Gi').optional(),
      })
      .default({ gpus: 0 }),
    data: location('/data').optional(),
    model: location('/model').optional(),
    scratch: z
      .strictObject({
        size: quantity('100Gi'),
        /** disk: the node's disk; memory: tmpfs counted against memory; volume: a claim per worker. */
        kind: z.enum(SCRATCH_KINDS).default('disk'),
        storageClassName: z.string().max(253).regex(DNS_LABEL).optional(),
        mountPath: mountPath.default('/scratch'),
      })
      .optional(),
    maxRunTime: duration.optional(),
    retries: z.int().min(0).max(100).default(0),
  })
  .superRefine((spec, ctx) => {
    if (spec.resources.gpuType !== undefined && spec.resources.gpus === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['resources', 'gpuType'],
        message: 'gpuType needs gpus of 1 or more',
      });
    if (spec.scratch?.storageClassName !== undefined && spec.scratch.kind !== 'volume')
      ctx.addIssue({
        code: 'custom',
        path: ['scratch', 'storageClassName'],
        message: 'storageClassName applies to scratch kind "volume" only',
      });
    const paths = [spec.data?.mountPath, spec.model?.mountPath, spec.scratch?.mountPath].filter(
      (p): p is string => p !== undefined,
    );
    if (new Set(paths).size !== paths.length)
      ctx.addIssue({
        code: 'custom',
        path: ['scratch', 'mountPath'],
        message: 'data, model and scratch need different mount paths',
      });
  });

export type MLTaskSpecInput = z.input<typeof mlTaskSpecSchema>;
export type MLTaskSpec = z.output<typeof mlTaskSpecSchema>;

export const ML_TASK_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
export type MLTaskPhase = (typeof ML_TASK_PHASES)[number];
export const WORKER_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
export type WorkerPhase = (typeof WORKER_PHASES)[number];

export interface MLTaskCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface WorkerStatus {
  index: number;
  phase: WorkerPhase;
  pod?: string;
  node?: string;
  restarts?: number;
  message?: string;
}

export interface MLTaskStatus {
  phase: MLTaskPhase;
  message: string;
  workers: WorkerStatus[];
  readyWorkers: number;
  startTime?: string;
  completionTime?: string;
  conditions: MLTaskCondition[];
  observedGeneration?: number;
}

export interface MLTaskObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    creationTimestamp?: string | Date;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: unknown;
  status?: Partial<MLTaskStatus>;
}

export type SpecCheck =
  | { valid: true; spec: MLTaskSpec }
  | { valid: false; problems: { field: string; message: string }[] };

/** Checks a spec as the controller and the API see it; problems name the field. */
export function checkSpec(spec: unknown): SpecCheck {
  const result = mlTaskSpecSchema.safeParse(spec);
  if (result.success) return { valid: true, spec: result.data };
  return {
    valid: false,
    problems: result.error.issues.map((issue) => ({
      field: ['spec', ...issue.path.map(String)].join('.'),
      message: issue.message,
    })),
  };
}

export function durationSeconds(value: string): number {
  const match = DURATION.exec(value);
  if (!match) return 0;
  const [, h, m, s] = match;
  return parseInt(h ?? '0', 10) * 3600 + parseInt(m ?? '0', 10) * 60 + parseInt(s ?? '0', 10);
}
/* eslint-enable no-control-regex */
