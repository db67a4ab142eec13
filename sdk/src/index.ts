import { createClient, createConfig, type Client } from './gen/client/index.js';
import * as api from './gen/sdk.gen.js';
import type { Operation, Problem } from './gen/types.gen.js';

export * from './gen/types.gen.js';
export * as raw from './gen/sdk.gen.js';

/** An error answer of the API, carrying its RFC 9457 problem details. */
export class KaasApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${status} ${problem.title}: ${problem.detail}`);
    this.name = 'KaasApiError';
  }
}

export interface KaasClientOptions {
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
}

type Api = typeof api;
type Bound = {
  [K in keyof Api]: Api[K] extends (options: infer O) => infer R
    ? (options: Omit<NonNullable<O>, 'client'>) => R
    : never;
};

/**
 * A client bound to one server and token. Methods are the API's operationIds; each answers
 * `{ data, error, response }` as generated, and `unwrap` turns an error answer into a throw.
 */
export interface KaasClient extends Bound {
  readonly client: Client;
  waitForOperation(
    project: string,
    operationId: string,
    options?: {
      timeoutMs?: number;
      intervalMs?: number;
      onProgress?: (operation: Operation) => void;
    },
  ): Promise<Operation>;
}

export function createKaasClient(options: KaasClientOptions): KaasClient {
  const client = createClient(
    createConfig({
      baseUrl: options.baseUrl,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.token ? { auth: options.token } : {}),
    }),
  );
  const bound = Object.fromEntries(
    Object.entries(api).map(([name, fn]) => [
      name,
      (args: object = {}) => (fn as (o: object) => unknown)({ ...args, client }),
    ]),
  ) as unknown as Bound;
  const kaas: KaasClient = {
    ...bound,
    client,
    async waitForOperation(
      project,
      operationId,
      { timeoutMs = 600_000, intervalMs = 500, onProgress } = {},
    ) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const operation = await unwrap(
          kaas.getOperation({ path: { project, operation: operationId } }),
        );
        onProgress?.(operation);
        if (['Succeeded', 'Failed', 'Cancelled'].includes(operation.status)) return operation;
        if (Date.now() > deadline) {
          const step = operation.steps.find((s) => s.status === 'Running');
          const detail = [
            step ? `step ${step.name}: ${step.message ?? 'running'}` : undefined,
            operation.lastError
              ? `last error ${operation.lastError.reason}: ${operation.lastError.message}`
              : undefined,
          ].filter(Boolean);
          throw new Error(
            `operation ${operationId} still ${operation.status} after ${timeoutMs} ms${detail.length ? ` (${detail.join('; ')})` : ''}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    },
  };
  return kaas;
}

/** Returns the data of a successful answer, or throws KaasApiError with the problem details. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response?: Response }> | Promise<unknown>,
): Promise<T> {
  const result = (await call) as { data?: T; error?: unknown; response?: Response };
  if (result.error !== undefined || !result.response?.ok) {
    const status = result.response?.status ?? 0;
    const problem = (result.error as Problem | undefined) ?? {
      type: 'about:blank',
      title: 'Request failed',
      status,
      detail: 'no problem details in the answer',
    };
    throw new KaasApiError(status, problem);
  }
  return result.data as T;
}
