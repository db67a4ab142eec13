import type { FieldProblem } from '../../domain/errors.js';

/** RFC 9457 problem details, as every error leaves the API. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: FieldProblem[];
}

export const PROBLEM_BASE = 'https://kaas.dev/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
