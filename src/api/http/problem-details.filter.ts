import {
  Catch,
  HttpException,
  Injectable,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { OpenApiDocumentHolder } from '../../openapi/openapi-document.holder.js';
import { RouteTable } from './route-table.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, TooManyRequestsError } from '../../domain/errors.js';
import { PROBLEM_BASE, PROBLEM_CONTENT_TYPE, type Problem } from './problem.js';

const TITLES: Record<number, [string, string]> = {
  400: ['bad-request', 'Bad request'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  406: ['not-acceptable', 'Not acceptable'],
  413: ['payload-too-large', 'Payload too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  429: ['too-many-requests', 'Too many requests'],
};

/** Turns any error into problem details; only a genuine fault becomes a 500, and it is logged. */
export function toProblem(error: unknown, instance?: string, requestId?: string): Problem {
  const base = { ...(instance ? { instance } : {}), ...(requestId ? { requestId } : {}) };
  if (error instanceof DomainError) {
    const fields = 'fields' in error ? (error as { fields: Problem['errors'] }).fields : undefined;
    return {
      type: PROBLEM_BASE + error.type,
      title: error.title,
      status: error.status,
      detail: error.message,
      ...base,
      ...(fields && fields.length > 0 ? { errors: fields } : {}),
    };
  }
  const status = statusOf(error);
  if (status !== undefined && status < 500) {
    const [type, title] = TITLES[status] ?? ['client-error', 'Client error'];
    return { type: PROBLEM_BASE + type, title, status, detail: detailOf(error), ...base };
  }
  return {
    type: PROBLEM_BASE + 'internal',
    title: 'Internal error',
    status: 500,
    detail: 'an unexpected error happened; it was logged with this request id',
    ...base,
  };
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function detailOf(error: unknown): string {
  if (error instanceof HttpException) {
    const response = error.getResponse();
    if (typeof response === 'object' && response && 'message' in response) {
      const message = (response as { message: unknown }).message;
      return Array.isArray(message) ? message.join('; ') : String(message);
    }
    return error.message;
  }
  return error instanceof Error ? error.message : 'bad request';
}

export function sendProblem(reply: FastifyReply, problem: Problem): void {
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
}

@Catch()
@Injectable()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');
  private routes?: RouteTable;

  constructor(private readonly document: OpenApiDocumentHolder) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const path = request.url.split('?')[0] ?? request.url;
    let problem = toProblem(error, path, String(request.id));
    const allowed = this.wrongMethod(problem.status, request.method, path);
    if (allowed) {
      void reply.header('allow', allowed.join(', '));
      problem = toProblem(
        Object.assign(
          new Error(`${request.method} is not allowed here; use ${allowed.join(', ')}`),
          { statusCode: 405 },
        ),
        path,
        String(request.id),
      );
    }
    if (error instanceof TooManyRequestsError) {
      void reply.header('retry-after', String(error.retryAfterSeconds));
    }
    if (problem.status >= 500) {
      this.logger.error({ err: error, requestId: request.id }, 'request failed');
    }
    sendProblem(reply, problem);
  }

  /** A known path asked with a method it does not answer is 405 with Allow, not 404. */
  private wrongMethod(status: number, method: string, path: string): string[] | undefined {
    if (status !== 404 && status !== 400 && status !== 415) return undefined;
    if (!this.routes && this.document.document)
      this.routes = new RouteTable(this.document.document.paths as never);
    const allowed = this.routes?.allowedMethods(path) ?? [];
    return allowed.length > 0 && !allowed.includes(method) ? allowed : undefined;
  }
}
