import {
  createKaasClient,
  KaasApiError,
  type KaasClient,
  type Problem,
} from '../../sdk/src/index.js';

export type { KaasClient } from '../../sdk/src/index.js';

const TOKEN_KEY = 'kaas.console.token';
const PROJECT_KEY = 'kaas.console.project';

/** Session storage: the token is forgotten when the tab closes. */
export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  project: () => sessionStorage.getItem(PROJECT_KEY),
  save(token: string, project?: string) {
    sessionStorage.setItem(TOKEN_KEY, token);
    if (project) sessionStorage.setItem(PROJECT_KEY, project);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(PROJECT_KEY);
  },
};

/** A client for the API on this origin; the SDK sends the token as `Authorization: Bearer`. */
export function makeClient(token: string): KaasClient {
  return createKaasClient({ baseUrl: window.location.origin, token });
}

export function problemOf(error: unknown): Problem | undefined {
  return error instanceof KaasApiError ? error.problem : undefined;
}

/** One line for the user: the problem's detail and the reasons it lists. */
export function errorMessage(error: unknown): string {
  const problem = problemOf(error);
  if (!problem) return error instanceof Error ? error.message : String(error);
  const reasons = (problem.errors ?? []).map((e) => e.message);
  return [problem.detail || problem.title, ...reasons].join(' — ');
}

/** Field errors of the problem details, keyed by field path (several messages are joined). */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { field, message } of problemOf(error)?.errors ?? []) {
    out[field] = out[field] ? `${out[field]}; ${message}` : message;
  }
  return out;
}
