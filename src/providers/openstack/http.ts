import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import { isAxiosError } from 'axios';

/** How one OpenStack call is retried; every figure is a default a test may shorten. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited out in-process: the reconcile retries later. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxRetryAfterMs: 30_000,
};

/** An answer of an OpenStack API outside 2xx, or no answer at all (`status` 0). */
export class OpenStackHttpError extends Error {
  constructor(
    readonly service: string,
    readonly method: string,
    readonly url: string,
    readonly status: number,
    /** The service's own explanation, from whichever error shape it uses. */
    readonly detail: string,
    readonly code?: string,
    readonly retryAfterMs?: number,
  ) {
    super(
      status === 0
        ? `${service} ${method} ${url}: no answer (${code ?? 'connection failed'})`
        : `${service} ${method} ${url}: ${status} ${detail}`,
    );
    this.name = 'OpenStackHttpError';
  }
}

export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends a request, retrying 5xx, 429 and connection errors with exponential backoff and full
 * jitter, or after the service's Retry-After. A POST is retried only when the service cannot
 * have acted on it (connection refused, 429, a 503 with Retry-After): any other failure of a
 * create surfaces, and the next reconcile adopts whatever was made under the deterministic
 * name. A bare 503 is not such a sign: a gateway that lost the service's answer says 503 too
 * (Envoy does on an upstream reset), after the server or port was made. `idempotent` marks a
 * POST that may be sent twice (a Keystone sign-in).
 */
export async function sendWithRetry<T>(
  http: AxiosInstance,
  service: string,
  config: AxiosRequestConfig,
  policy: RetryPolicy = DEFAULT_RETRY,
  sleep: Sleep = realSleep,
  idempotent?: boolean,
): Promise<AxiosResponse<T>> {
  const method = (config.method ?? 'GET').toUpperCase();
  const safe = idempotent ?? method !== 'POST';
  for (let attempt = 1; ; attempt++) {
    let failure: OpenStackHttpError;
    try {
      const response = await http.request<T>({ ...config, validateStatus: () => true });
      if (response.status < 400) return response;
      failure = toHttpError(service, method, config, response);
    } catch (error) {
      failure = connectionError(service, method, config, error);
    }
    const wait = retryDelay(failure, safe, attempt, policy);
    if (wait === undefined) throw failure;
    await sleep(wait);
  }
}

function retryDelay(
  failure: OpenStackHttpError,
  safe: boolean,
  attempt: number,
  policy: RetryPolicy,
): number | undefined {
  if (attempt >= policy.attempts || !isRetryable(failure, safe)) return undefined;
  if (failure.retryAfterMs !== undefined) {
    return failure.retryAfterMs <= policy.maxRetryAfterMs ? failure.retryAfterMs : undefined;
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(Math.random() * ceiling);
}

function isRetryable(failure: OpenStackHttpError, safe: boolean): boolean {
  const { status, code, retryAfterMs } = failure;
  if (!safe)
    return (
      status === 429 || (status === 503 && retryAfterMs !== undefined) || code === 'ECONNREFUSED'
    );
  return status === 0 || status === 429 || status >= 500;
}

function toHttpError(
  service: string,
  method: string,
  config: AxiosRequestConfig,
  response: AxiosResponse,
): OpenStackHttpError {
  return new OpenStackHttpError(
    service,
    method,
    describeUrl(config),
    response.status,
    errorDetail(response.data),
    undefined,
    parseRetryAfter(response.headers['retry-after'] as string | undefined),
  );
}

function connectionError(
  service: string,
  method: string,
  config: AxiosRequestConfig,
  error: unknown,
): OpenStackHttpError {
  if (isAxiosError(error)) {
    const code = error.code ?? 'ERR_NETWORK';
    return new OpenStackHttpError(service, method, describeUrl(config), 0, error.message, code);
  }
  throw error;
}

/** The path only: query strings may carry names, never credentials, but keep logs short. */
function describeUrl(config: AxiosRequestConfig): string {
  const url = `${config.baseURL ?? ''}${config.url ?? ''}`;
  return url.replace(/^[a-z]+:\/\/[^/]+/i, '').split('?')[0] ?? url;
}

/** Seconds or an HTTP date, as RFC 9110 allows. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The services disagree on error bodies: Nova `{"badRequest": {"message"}}`, Neutron
 * `{"NeutronError": {"type", "message"}}`, Keystone `{"error": {"message"}}`, Octavia
 * `{"faultstring"}`, Glance an HTML-ish text. One readable line from any of them.
 */
export function errorDetail(data: unknown): string {
  if (typeof data === 'string') return collapse(data.replace(/<[^>]+>/g, ' '));
  if (typeof data !== 'object' || data === null) return '';
  const record = data as Record<string, unknown>;
  if (typeof record.faultstring === 'string') return collapse(record.faultstring);
  if (typeof record.description === 'string') return collapse(record.description);
  for (const value of Object.values(record)) {
    if (typeof value === 'object' && value !== null) {
      const inner = value as Record<string, unknown>;
      const parts = [inner.type, inner.message].filter((p) => typeof p === 'string');
      if (parts.length > 0) return collapse(parts.join(': '));
    }
  }
  return collapse(JSON.stringify(data));
}

function collapse(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}
