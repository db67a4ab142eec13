import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Logger as NestLogger, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { createRootLogger, PinoLoggerService, registerRequestLogging } from './logging/logger.js';
import type { FastifyInstance } from 'fastify';
import { AppModule, type ProcessRole } from './app.module.js';
import type { Config } from './config/config.js';
import { openConfiguredDatabase, type DatabaseHandle } from './persistence/database.js';
import { AuthService } from './auth/auth.service.js';
import { registerAuditHook } from './audit/audit.hook.js';
import { MetricsService } from './metrics/metrics.service.js';
import { buildOpenApiDocument } from './openapi/document.js';
import { OpenApiDocumentHolder } from './openapi/openapi-document.holder.js';
import { sendProblem, toProblem } from './api/http/problem-details.filter.js';
import { BadRequestError } from './domain/errors.js';
import { registerQueueDashboard } from './admin/queue-dashboard.js';
import { registerConsole } from './console/register-console.js';
import { ReconcileQueue } from './queue/reconcile-queue.js';
import { ClusterDocumentCache } from './api/clusters/cluster-document-cache.js';
import { registerClusterWritesHook } from './api/clusters/cluster-writes.hook.js';
import { findNul, hasNul } from './api/http/nul.js';
import { listenUrl } from './common/listen-url.js';

export interface RunningServer {
  app: NestFastifyApplication;
  database: DatabaseHandle;
  url: string;
  close(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export interface StartOptions {
  /** Providers that replace the process's own of the same token (see AppModule.forRole). */
  overrides?: Provider[];
}

/** Starts one kaas process of the given role and listens on the configured port. */
export async function startServer(
  role: ProcessRole,
  config: Config,
  database?: DatabaseHandle,
  options: StartOptions = {},
): Promise<RunningServer> {
  if (!config.KAAS_DATABASE_URL && role !== 'all') {
    throw new Error(
      `the embedded database lives inside one process, so "${role}" alone cannot share it; run "all", or set KAAS_DATABASE_URL to a PostgreSQL server`,
    );
  }
  const db = database ?? (await openConfiguredDatabase(config));
  const adapter = new FastifyAdapter({
    bodyLimit: config.KAAS_BODY_LIMIT_BYTES,
    // Long path segments reach the handlers and answer 404 in problem details, not a bare 414.
    routerOptions: { maxParamLength: 8192 },
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      req.headers['x-request-id'] = id;
      return id;
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRole(role, config, db, options.overrides),
    adapter,
    {
      bufferLogs: true,
    },
  );
  const logger = createRootLogger(config.KAAS_LOG_LEVEL, role);
  app.useLogger(new PinoLoggerService(logger));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  configureFastify(fastify, app.get(MetricsService));
  registerRequestLogging(fastify, logger);
  if (role !== 'worker') {
    registerAuditHook(fastify, db, new NestLogger('audit'));
    registerClusterWritesHook(fastify, app.get(ClusterDocumentCache));
    await app.get(AuthService).bootstrap();
    await registerQueueDashboard(fastify, [app.get(ReconcileQueue).queue], app.get(AuthService));
    await registerConsole(fastify);
  }
  await app.init();
  if (role !== 'worker') {
    const document = buildOpenApiDocument(app);
    app.get(OpenApiDocumentHolder).document = document;
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  }
  await app.listen({ port: config.KAAS_PORT, host: config.KAAS_HOST });
  const url = listenUrl(fastify, config);
  return {
    app,
    database: db,
    url,
    close: async () => {
      await app.close();
    },
  };
}

function configureFastify(fastify: FastifyInstance, metrics: MetricsService): void {
  fastify.addContentTypeParser(
    'application/merge-patch+json',
    { parseAs: 'string' },
    (request, body, done) => {
      try {
        done(null, body === '' ? undefined : JSON.parse(body as string));
      } catch (error) {
        (error as { statusCode?: number }).statusCode = 400;
        done(error as Error, undefined);
      }
    },
  );
  // PostgreSQL cannot store NUL in text: refuse it at the door, wherever it hides. The hooks
  // below run on every request, so they take callbacks rather than returning promises.
  fastify.addHook('preValidation', (request, reply, done) => {
    if (!hasNul(request.params) && !hasNul(request.query) && !hasNul(request.body)) return done();
    const where = findNul({ path: request.params, query: request.query, body: request.body });
    sendProblem(
      reply,
      toProblem(
        new BadRequestError('the request contains a NUL character', [
          { field: where ?? 'value', message: 'NUL (\\u0000) is not allowed' },
        ]),
        request.url.split('?')[0],
        String(request.id),
      ),
    );
  });
  fastify.addHook('onSend', (request, reply, _payload, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });
}
