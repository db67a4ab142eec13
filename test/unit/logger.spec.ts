import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { pino } from 'pino';
import { PinoLoggerService, registerRequestLogging } from '../../src/logging/logger.js';

/** A pino logger whose JSON lines are collected, parsed. */
function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, root: pino({ level, base: { role: 'test' } }, stream) };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('PinoLoggerService (Nest calls to pino lines)', () => {
  it('writes a string message with its Nest context', async () => {
    const { lines, root } = capture();
    new PinoLoggerService(root).log('workers started', 'worker');
    await flush();
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        role: 'test',
        context: 'worker',
        msg: 'workers started',
      }),
    ]);
  });

  it('writes an object message as fields, its msg as the message', async () => {
    const { lines, root } = capture();
    new PinoLoggerService(root).warn({ msg: 'repair refused', cluster: 'c1' }, 'health');
    await flush();
    expect(lines[0]).toMatchObject({
      level: 40,
      context: 'health',
      cluster: 'c1',
      msg: 'repair refused',
    });
  });

  it('keeps the stack Nest passes to error(message, stack, context)', async () => {
    const { lines, root } = capture();
    new PinoLoggerService(root).error('boom', 'Error: boom\n    at x', 'ExceptionsHandler');
    await flush();
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'boom',
      stack: 'Error: boom\n    at x',
      context: 'ExceptionsHandler',
    });
  });

  it('serialises an Error message with its type and stack', async () => {
    const { lines, root } = capture();
    new PinoLoggerService(root).error(new TypeError('bad'));
    await flush();
    expect(lines[0]).toMatchObject({ msg: 'bad', err: { type: 'TypeError', message: 'bad' } });
  });

  it('writes nothing below the level', async () => {
    const { lines, root } = capture('warn');
    const logger = new PinoLoggerService(root);
    logger.log('quiet');
    logger.debug('quieter');
    logger.warn('loud');
    await flush();
    expect(lines.map((l) => l.msg)).toEqual(['loud']);
  });
});

describe('registerRequestLogging', () => {
  async function app(level: string) {
    const { lines, root } = capture(level);
    const fastify = Fastify();
    registerRequestLogging(fastify, root);
    fastify.get('/v1/things/:id', async (request, reply) => {
      if ((request.params as { id: string }).id === 'broken') return reply.code(503).send({});
      return { ok: true };
    });
    fastify.get('/healthz', async () => ({ ok: true }));
    await fastify.ready();
    return { fastify, lines };
  }

  it('logs one line per request, with id, method, url and status, never headers', async () => {
    const { fastify, lines } = await app('info');
    await fastify.inject({ url: '/v1/things/a?x=1', headers: { authorization: 'Bearer secret' } });
    await fastify.inject({ url: '/healthz' });
    await flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { method: 'GET', url: '/v1/things/a?x=1' },
      res: { statusCode: 200 },
    });
    expect(typeof (lines[0]!.req as { id: unknown }).id).toBe('string');
    expect(JSON.stringify(lines)).not.toContain('secret');
    await fastify.close();
  });

  it('logs only server errors at level warn, as errors', async () => {
    const { fastify, lines } = await app('warn');
    await fastify.inject({ url: '/v1/things/a' });
    await fastify.inject({ url: '/v1/things/broken' });
    await flush();
    expect(lines).toEqual([expect.objectContaining({ level: 50, res: { statusCode: 503 } })]);
    await fastify.close();
  });
});
