import { applyDecorators, HttpCode } from '@nestjs/common';
import { ApiBody, ApiExtension, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

export interface QueryDoc {
  name: string;
  description: string;
  required?: boolean;
  schema?: Record<string, unknown>;
}

export interface RouteDoc {
  operationId: string;
  summary: string;
  tag: string;
  /** Component id of the request body. */
  body?: string;
  bodyContentTypes?: string[];
  /** Status → component id of the response (null: no body). */
  responses: Record<number, string | null>;
  query?: QueryDoc[];
  headers?: { name: string; description: string; required?: boolean }[];
  /** Routes without a token: health, metrics, the document itself. */
  public?: boolean;
  /** Statuses of errors this route can answer besides 400, 401, 403, 404 and 500. */
  errors?: number[];
  /** The success status when the handler does not set one. */
  defaultStatus?: number;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed request: body, query or header (problem details name the field)',
  401: 'Missing or invalid token',
  403: 'The token lacks the role this needs',
  404: 'Not found (another project’s resources answer 404 too)',
  409: 'Conflicts with the current state',
  412: 'If-Match does not match the current resourceVersion',
  413: 'Body too large',
  422: 'Well-formed but not acceptable (problem details name the field)',
  500: 'Unexpected server error',
};

/**
 * Documents a route for the generated OpenAPI document: its operationId becomes the SDK
 * method name, schemas come from the zod registry by id.
 */
export function Route(doc: RouteDoc): MethodDecorator {
  const decorators: (MethodDecorator | ClassDecorator)[] = [
    ApiOperation({ operationId: doc.operationId, summary: doc.summary }),
    ApiTags(doc.tag),
  ];
  if (doc.defaultStatus) decorators.push(HttpCode(doc.defaultStatus));
  if (!doc.public) decorators.push(ApiSecurity('bearer'));
  if (doc.body) {
    decorators.push(ApiBody({ schema: ref(doc.body), required: true }));
    if (doc.bodyContentTypes) decorators.push(ApiExtension('x-kaas-content-types', doc.bodyContentTypes));
  }
  for (const [status, schema] of Object.entries(doc.responses)) {
    decorators.push(
      ApiResponse({
        status: Number(status),
        description: describe(Number(status)),
        ...(schema ? { schema: ref(schema) } : {}),
      }),
    );
  }
  const errors = doc.public ? [500] : [400, 401, 403, 404, 500, ...(doc.errors ?? [])];
  for (const status of [...new Set(errors)].sort()) {
    decorators.push(
      ApiResponse({
        status,
        description: ERROR_TEXT[status] ?? 'Error',
        content: { 'application/problem+json': { schema: ref('Problem') } },
      }),
    );
  }
  for (const q of doc.query ?? []) {
    decorators.push(
      ApiQuery({ name: q.name, description: q.description, required: q.required ?? false, schema: q.schema ?? { type: 'string' } }),
    );
  }
  for (const h of doc.headers ?? []) {
    decorators.push(ApiHeader({ name: h.name, description: h.description, required: h.required ?? false }));
  }
  return applyDecorators(...decorators);
}

function describe(status: number): string {
  switch (status) {
    case 200:
      return 'OK';
    case 201:
      return 'Created';
    case 202:
      return 'Accepted: the Operation tracks the work';
    case 204:
      return 'No content';
    default:
      return String(status);
  }
}

export const PAGE_QUERY: QueryDoc[] = [
  { name: 'limit', description: 'Page size (1–500, default 50)', schema: { type: 'integer', minimum: 1, maximum: 500 } },
  { name: 'cursor', description: 'nextCursor from the previous page' },
];

export const DRY_RUN_QUERY: QueryDoc = {
  name: 'dryRun',
  description: 'true: answer with the plan and change nothing',
  schema: { type: 'string', enum: ['true', 'false'] },
};

export const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  description: 'Retrying with the same key and body returns the first answer; another body answers 422',
};
