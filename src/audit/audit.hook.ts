import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import type { DatabaseHandle } from '../persistence/database.js';
import { repositories } from '../persistence/repositories.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Every mutating call leaves an audit record — who, what, when, outcome — including the ones
 * refused for authentication or validation. Written after the response, so it never slows or
 * fails the request; a failure to write is logged.
 */
export function registerAuditHook(
  fastify: FastifyInstance,
  database: DatabaseHandle,
  logger: Logger,
): void {
  // Runs after every answer, reads included, so it returns at once when there is nothing to do.
  fastify.addHook('onResponse', (request, reply, done) => {
    if (!MUTATING.has(request.method)) return done();
    const principal = (request as FastifyRequest & { principal?: Principal }).principal;
    const path = request.url.split('?')[0] ?? request.url;
    const project = /^\/v1\/projects\/([^/]+)/.exec(path)?.[1];
    const status = reply.statusCode;
    repositories(database.db)
      .audit.insert({
        tokenId: principal?.tokenId ?? null,
        projectName: project ? decodeURIComponent(project) : null,
        method: request.method,
        path,
        action: request.routeOptions.url ?? null,
        statusCode: status,
        outcome: status < 400 ? 'success' : status === 401 || status === 403 ? 'denied' : 'failure',
        requestId: String(request.id),
        remoteAddress: request.ip,
      })
      .catch((error: unknown) => logger.error(`audit record not written: ${String(error)}`))
      .finally(done);
  });
}
