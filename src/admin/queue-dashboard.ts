import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Queue } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { AuthService } from '../auth/auth.service.js';
import { isPlatformAdmin } from '../auth/principal.js';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.js';
import { sendProblem, toProblem } from '../api/http/problem-details.filter.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board for platform administrators. A browser cannot send a bearer header, so the
 * token may also come as the `kaas_token` cookie (the web console sets it at sign-in).
 */
export async function registerQueueDashboard(
  fastify: FastifyInstance,
  queues: Queue[],
  auth: AuthService,
): Promise<void> {
  const adapter = new FastifyAdapter();
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  adapter.setBasePath(QUEUE_DASHBOARD_PATH);
  await fastify.register(
    async (scope) => {
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        try {
          const principal = await auth.authenticate(bearerOrCookie(request));
          if (!isPlatformAdmin(principal))
            throw new ForbiddenError('the queue dashboard is for platform administrators');
          return undefined;
        } catch (error) {
          if (!(error instanceof UnauthorizedError) && !(error instanceof ForbiddenError))
            throw error;
          sendProblem(reply, toProblem(error, request.url.split('?')[0], String(request.id)));
          return reply;
        }
      });
      await scope.register(adapter.registerPlugin());
    },
    { prefix: QUEUE_DASHBOARD_PATH },
  );
}

function bearerOrCookie(request: FastifyRequest): string | undefined {
  if (request.headers.authorization) return request.headers.authorization;
  const cookie = (request.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith('kaas_token='));
  return cookie ? `Bearer ${decodeURIComponent(cookie.slice('kaas_token='.length))}` : undefined;
}
