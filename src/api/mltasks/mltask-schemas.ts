import { z } from 'zod';
import { dnsLabel } from '../../domain/names.js';
import {
  ML_TASK_PHASES,
  mlTaskName,
  mlTaskSpecSchema,
  WORKER_PHASES,
} from '../../mltask/mltask-spec.js';

/** The namespace of the tenant cluster a task lives in. */
export const namespaceName = dnsLabel(63);

export const MLTaskCreateRequest = z
  .strictObject({
    name: mlTaskName,
    namespace: namespaceName.default('default'),
    spec: mlTaskSpecSchema,
  })
  .meta({
    id: 'MLTaskCreateRequest',
    description:
      'A training run: image and command, workers, GPUs per worker, data, model and scratch space. A spec the controller could not run answers 422 naming the field.',
  });

/** What the route parses before the spec is checked: a wrong spec is 422, a wrong envelope 400. */
export const mlTaskCreateEnvelope = z.strictObject({
  name: mlTaskName,
  namespace: namespaceName.default('default'),
  spec: z.record(z.string(), z.unknown()),
});

const timestamp = z.iso.datetime();

export const MLTaskWorkerSchema = z
  .object({
    index: z.int(),
    phase: z.enum(WORKER_PHASES),
    pod: z.string().optional(),
    node: z.string().optional(),
    restarts: z.int().optional(),
    message: z.string().optional(),
  })
  .meta({ id: 'MLTaskWorker' });

export const MLTaskSchema = z
  .object({
    name: z.string(),
    namespace: z.string(),
    createdAt: timestamp.optional(),
    spec: z.record(z.string(), z.unknown()).meta({
      description: 'The spec as stored in the cluster (see MLTaskCreateRequest.spec)',
    }),
    status: z.object({
      phase: z.enum(ML_TASK_PHASES),
      message: z.string(),
      readyWorkers: z.int(),
      workers: z.array(MLTaskWorkerSchema),
      startTime: timestamp.optional(),
      completionTime: timestamp.optional(),
      conditions: z.array(
        z.object({
          type: z.string(),
          status: z.enum(['True', 'False', 'Unknown']),
          reason: z.string(),
          message: z.string(),
          lastTransitionTime: z.string(),
        }),
      ),
    }),
  })
  .meta({ id: 'MLTask' });

export const MLTaskListSchema = z
  .object({ items: z.array(MLTaskSchema), nextCursor: z.string().optional() })
  .meta({ id: 'MLTaskList' });

export const MLTaskLogsSchema = z
  .object({
    name: z.string(),
    namespace: z.string(),
    phase: z.enum(ML_TASK_PHASES),
    message: z.string(),
    kubectl: z
      .string()
      .meta({ description: 'The same logs, followed, with the cluster kubeconfig' }),
    workers: z.array(
      z.object({
        index: z.int(),
        pod: z.string(),
        node: z.string().optional(),
        phase: z.string(),
        exitCode: z.int().optional(),
        log: z.string().optional().meta({ description: 'The last lines of the worker’s output' }),
        logError: z
          .string()
          .optional()
          .meta({ description: 'Why the output could not be read (e.g. not started yet)' }),
      }),
    ),
  })
  .meta({ id: 'MLTaskLogs' });

export const mlTaskQuery = z.strictObject({ namespace: namespaceName.default('default') });

export const mlTaskListQuery = z.strictObject({
  namespace: namespaceName.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .max(2048)
    .regex(/^[A-Za-z0-9+/=_-]+$/, 'not a cursor this API issued')
    .optional(),
});

export const mlTaskLogsQuery = z.strictObject({
  namespace: namespaceName.default('default'),
  tailLines: z.coerce.number().int().min(1).max(1000).default(50),
});
