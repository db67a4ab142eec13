import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CONFIG, type Config } from '../config/config.js';
import type { DatabaseHandle } from '../persistence/database.js';
import { DATABASE } from '../persistence/repositories.js';
import { createRedis, withTimeout } from '../queue/redis.js';
import { Route } from '../openapi/route.decorator.js';
import type { OnApplicationShutdown } from '@nestjs/common';

@Controller()
export class HealthController implements OnApplicationShutdown {
  private readonly redis;

  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(CONFIG) config: Config,
  ) {
    this.redis = createRedis(config.KAAS_REDIS_URL, 'probe');
  }

  /** Liveness: the process serves requests. */
  @Get('healthz')
  @Route({
    operationId: 'getHealth',
    summary: 'Liveness',
    tag: 'health',
    responses: { 200: null },
    access: 'public',
  })
  health() {
    return { status: 'ok' };
  }

  /** Readiness: the database and Redis answer. */
  @Get('readyz')
  @Route({
    operationId: 'getReadiness',
    summary: 'Readiness: database and Redis',
    tag: 'health',
    responses: { 200: null, 503: null },
    access: 'public',
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await withTimeout(fn(), 1_000, 'check');
        return 'ok';
      } catch (error) {
        return error instanceof Error ? error.message : 'failed';
      }
    };
    const checks = {
      database: await check(() => this.database.ping()),
      redis: await check(() => this.redis.ping()),
    };
    const ok = Object.values(checks).every((v) => v === 'ok');
    void reply.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', checks };
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
