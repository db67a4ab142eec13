/**
 * client-node's ApiException, known by its shape: this module is loaded where client-node is
 * not (the health monitor), and an error can only be one once client-node is loaded.
 */
interface ApiExceptionLike extends Error {
  code: number;
  body: unknown;
  headers: unknown;
}

function isApiException(error: unknown): error is ApiExceptionLike {
  return (
    error instanceof Error &&
    typeof (error as Partial<ApiExceptionLike>).code === 'number' &&
    'body' in error &&
    'headers' in error
  );
}

/** The HTTP status of a Kubernetes API error, or undefined for connection failures. */
export function kubeStatus(error: unknown): number | undefined {
  if (isApiException(error)) return error.code;
  const code =
    (error as { code?: unknown; statusCode?: unknown } | null)?.code ??
    (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return kubeStatus(error) === 404;
}

export function isAlreadyExists(error: unknown): boolean {
  return kubeStatus(error) === 409;
}

/** A refused, reset or timed-out connection: the API server is not answering. */
export function isUnreachable(error: unknown): boolean {
  if (kubeStatus(error) !== undefined) {
    const status = kubeStatus(error)!;
    return status === 502 || status === 503 || status === 504;
  }
  const text = `${(error as { code?: unknown } | null)?.code ?? ''} ${error instanceof Error ? error.message : String(error)}`;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|socket hang up|fetch failed|aborted|timeout/i.test(
    text,
  );
}

export function kubeMessage(error: unknown): string {
  if (isApiException(error)) {
    const body = error.body as { message?: string } | string | undefined;
    const message = typeof body === 'string' ? safeMessage(body) : body?.message;
    return `HTTP ${error.code}: ${message ?? 'no message'}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function safeMessage(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}
