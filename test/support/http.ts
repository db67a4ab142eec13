/** A tiny fetch wrapper for API tests: JSON in, status + JSON out. */
export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export function httpClient(baseUrl: string, token?: string) {
  return async function request<T = any>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      raw?: string;
      headers?: Record<string, string>;
      token?: string | null;
    } = {},
  ): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const bearer = options.token === undefined ? token : options.token;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !headers['content-type'])
      headers['content-type'] = 'application/json';
    const response = await fetch(baseUrl + path, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (metrics, HTML); the text is the body.
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  };
}

export async function eventually<T>(
  fn: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await fn();
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < deadline);
  throw new Error(
    `condition not met within ${timeoutMs} ms; last value: ${String(JSON.stringify(last)).slice(0, 2000)}`,
  );
}
