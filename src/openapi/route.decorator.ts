import { applyDecorators, HttpCode, SetMetadata } from '@nestjs/common';
import type { Role } from '../auth/principal.js';
import {
  ApiBody,
  ApiExtension,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

export interface QueryDoc {
  name: string;
  description: string;
  required?: boolean;
  schema?: Record<string, unknown>;
}

/** Who may call a route: a role in the route's project, or a platform administrator. */
export type Access = Role | 'platform-admin' | 'authenticated' | 'public';

export const ACCESS_METADATA = 'kaas:access';

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** Path parameters by name, with the shapes the API accepts. */
const PATH_PARAMS = {
  project: {
    description: 'Project name',
    schema: { type: 'string', pattern: DNS_LABEL, maxLength: 40 },
  },
  cluster: {
    description: 'Cluster name',
    schema: { type: 'string', pattern: DNS_LABEL, maxLength: 32 },
  },
  pool: {
    description: 'Node pool name',
    schema: { type: 'string', pattern: DNS_LABEL, maxLength: 24 },
  },
  machine: {
    description: 'Machine name',
    schema: { type: 'string', pattern: DNS_LABEL, maxLength: 63 },
  },
  operation: {
    description: 'Operation id',
    schema: { type: 'string', format: 'uuid', pattern: UUID },
  },
  mltask: {
    description: 'MLTask name',
    schema: { type: 'string', pattern: DNS_LABEL, maxLength: 52 },
  },
  token: { description: 'Token id', schema: { type: 'string', format: 'uuid', pattern: UUID } },
  addon: {
    description: 'Add-on name',
    schema: { type: 'string', pattern: DNS_LABEL, maxLength: 63 },
  },
  cloud: {
    description: 'Cloud name',
    schema: { type: 'string', pattern: DNS_LABEL, maxLength: 63 },
  },
  grantee: {
    description: 'Name of the project the cloud is granted to',
    schema: { type: 'string', pattern: DNS_LABEL, maxLength: 40 },
  },
} as const;

export type PathParam = keyof typeof PATH_PARAMS;

export interface RouteDoc {
  /** Path parameters besides the project (implied by a role access). */
  params?: Exclude<PathParam, 'project'>[];
  operationId: string;
  /** Checked by the auth guard before the handler runs, and published as `x-kaas-access`. */
  access: Access;
  summary: string;
  tag: string;
  /** Component id of the request body. */
  body?: string;
  bodyContentTypes?: string[];
  /** Status → component id of the response (a list: one of them; null: no body). */
  responses: Record<number, string | string[] | null>;
  query?: QueryDoc[];
  headers?: {
    name: string;
    description: string;
    required?: boolean;
    schema?: Record<string, unknown>;
  }[];
  /** Statuses of errors besides 400, 401, 403, 404, 429 and 500 (and 413 with a body). */
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
  429: 'Too many requests from this token; Retry-After says when to come back',
  500: 'Unexpected server error',
  503: 'A system this needs (the cluster’s API server) does not answer; try again',
};

/**
 * Documents a route for the generated OpenAPI document: its operationId becomes the SDK
 * method name, schemas come from the zod registry by id.
 */
export function Route(doc: RouteDoc): MethodDecorator {
  return applyDecorators(
    SetMetadata(ACCESS_METADATA, doc.access),
    ApiExtension('x-kaas-access', doc.access),
    ApiOperation({ operationId: doc.operationId, summary: doc.summary }),
    ApiTags(doc.tag),
    ...(doc.defaultStatus ? [HttpCode(doc.defaultStatus)] : []),
    ...(doc.access === 'public' ? [] : [ApiSecurity('bearer')]),
    ...pathParams(doc).map((name) =>
      ApiParam({ name, required: true, ...PATH_PARAMS[name] } as never),
    ),
    ...bodyDecorators(doc),
    ...responseDecorators(doc),
    ...(doc.query ?? []).map((q) =>
      ApiQuery({
        name: q.name,
        description: q.description,
        required: q.required ?? false,
        schema: q.schema ?? { type: 'string' },
      }),
    ),
    ...(doc.headers ?? []).map((h) =>
      ApiHeader({
        name: h.name,
        description: h.description,
        required: h.required ?? false,
        ...(h.schema ? { schema: h.schema } : {}),
      }),
    ),
  );
}

function pathParams(doc: RouteDoc): PathParam[] {
  const inProject = doc.access === 'viewer' || doc.access === 'editor' || doc.access === 'admin';
  return [...(inProject ? (['project'] as const) : []), ...(doc.params ?? [])];
}

function bodyDecorators(doc: RouteDoc): MethodDecorator[] {
  if (!doc.body) return [];
  return [
    ApiBody({ schema: ref(doc.body), required: true }),
    ...(doc.bodyContentTypes ? [ApiExtension('x-kaas-content-types', doc.bodyContentTypes)] : []),
  ];
}

function responseDecorators(doc: RouteDoc): MethodDecorator[] {
  const successes = Object.entries(doc.responses).map(([status, schema]) =>
    ApiResponse({
      status: Number(status),
      description: describe(Number(status)),
      ...(schema === null
        ? {}
        : { schema: Array.isArray(schema) ? { oneOf: schema.map(ref) } : ref(schema) }),
    }),
  );
  const errors =
    doc.access === 'public'
      ? [500]
      : [400, 401, 403, 404, 429, 500, ...(doc.body ? [413] : []), ...(doc.errors ?? [])];
  const problems = [...new Set(errors)].sort().map((status) =>
    ApiResponse({
      status,
      description: ERROR_TEXT[status] ?? 'Error',
      content: { 'application/problem+json': { schema: ref('Problem') } },
    }),
  );
  return [...successes, ...problems];
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
  {
    name: 'limit',
    description: 'Page size (1–500, default 50)',
    schema: { type: 'integer', minimum: 1, maximum: 500 },
  },
  {
    name: 'cursor',
    description: 'nextCursor from the previous page',
    schema: { type: 'string', format: 'uuid', pattern: UUID },
  },
];

export const SEQUENCE_PAGE_QUERY: QueryDoc[] = [
  PAGE_QUERY[0]!,
  {
    name: 'cursor',
    description: 'nextCursor from the previous page',
    schema: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' },
  },
];

export const DRY_RUN_QUERY: QueryDoc = {
  name: 'dryRun',
  description: 'true: answer with the plan and change nothing',
  schema: { type: 'string', enum: ['true', 'false'] },
};

export const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  description:
    'Retrying with the same key and body returns the first answer; another body answers 422',
  schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
};
