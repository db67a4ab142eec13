import { hostname } from 'node:os';
import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { pino, type Level, type Logger } from 'pino';

export type LogLevel = Level | 'silent';

/** The process's one pino logger: JSON lines on stdout, each naming its process and role. */
export function createRootLogger(level: LogLevel, role: string): Logger {
  return pino({ level, base: { pid: process.pid, hostname: hostname(), role } });
}

/**
 * Nest's logger over pino. Nest calls it as `log(message, ...params, context?)`, and
 * `error(message, stack?, context?)`; an object message is written as fields, its `msg` as
 * the message.
 */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly root: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.root.isLevelEnabled(level)) return;
    const rest = [...params];
    const context = rest.length > 0 && typeof rest.at(-1) === 'string' ? rest.pop() : undefined;
    const fields: Record<string, unknown> = context === undefined ? {} : { context };
    // Nest's `error(message, stack)`: the stack comes as the first extra parameter.
    if (level === 'error' && typeof rest[0] === 'string') fields.stack = rest.shift();
    if (rest.length > 0) fields.params = rest;
    if (message instanceof Error) {
      this.root[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      const { msg, ...own } = message as Record<string, unknown>;
      this.root[level]({ ...fields, ...own }, typeof msg === 'string' ? msg : undefined);
    } else {
      this.root[level](fields, String(message));
    }
  }
}

const UNLOGGED = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One line per finished request, written when the answer has gone: its id, method, URL (never
 * headers), client address, status and time. Nothing is built for a request when the level
 * leaves the line out, so a busy API at `warn` pays no logging at all.
 */
export function registerRequestLogging(fastify: FastifyInstance, root: Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const level: Level = reply.statusCode >= 500 ? 'error' : 'info';
    if (root.isLevelEnabled(level) && !UNLOGGED.has(request.url)) {
      root[level](
        {
          req: {
            id: request.id,
            method: request.method,
            url: request.url,
            remoteAddress: request.ip,
          },
          res: { statusCode: reply.statusCode },
          responseTime: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    }
    done();
  });
}
