import { describe, expect, it } from '@jest/globals';
import { NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import { toProblem } from '../../src/api/http/problem-details.filter.js';
import { ZodValidationPipe } from '../../src/api/http/zod-validation.pipe.js';
import { decodeCursor, encodeCursor, toPage } from '../../src/api/http/pagination.js';
import { BadRequestError, ConflictError } from '../../src/domain/errors.js';
import { loadConfig, ConfigError } from '../../src/config/config.js';

describe('problem details', () => {
  it('maps domain errors with their fields', () => {
    const problem = toProblem(
      new BadRequestError('bad', [{ field: 'spec.x', message: 'no' }]),
      '/v1/x',
      'r1',
    );
    expect(problem).toEqual({
      type: 'https://kaas.dev/problems/bad-request',
      title: 'Bad request',
      status: 400,
      detail: 'bad',
      instance: '/v1/x',
      requestId: 'r1',
      errors: [{ field: 'spec.x', message: 'no' }],
    });
    expect(toProblem(new ConflictError('taken')).status).toBe(409);
  });

  it('keeps framework client errors and hides the details of faults', () => {
    expect(toProblem(new NotFoundException('Cannot GET /nope')).status).toBe(404);
    expect(
      toProblem(Object.assign(new Error('Unexpected token'), { statusCode: 400 })).status,
    ).toBe(400);
    const fault = toProblem(new TypeError('x is undefined'));
    expect(fault.status).toBe(500);
    expect(fault.detail).not.toContain('undefined');
  });
});

describe('ZodValidationPipe', () => {
  it('names unknown fields and wrong types', () => {
    const pipe = new ZodValidationPipe(z.strictObject({ a: z.object({ n: z.int() }) }));
    try {
      pipe.transform({ a: { n: 'x' }, extra: 1 });
      throw new Error('no error');
    } catch (error) {
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).fields).toEqual(
        expect.arrayContaining([
          { field: 'a.n', message: expect.stringContaining('number') },
          { field: 'body', message: 'unknown field: extra' },
        ]),
      );
    }
  });
});

describe('pagination', () => {
  it('round-trips cursors and refuses forged ones', () => {
    expect(decodeCursor(encodeCursor('0190a0b0-0000-7000-8000-000000000000'))).toBe(
      '0190a0b0-0000-7000-8000-000000000000',
    );
    expect(() => decodeCursor(Buffer.from("' or 1=1").toString('base64url'))).toThrow(
      BadRequestError,
    );
  });

  it('gives a next cursor only when more rows remain', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    expect(toPage(rows, 2, (r) => r.id)).toEqual({
      items: ['a', 'b'],
      nextCursor: encodeCursor('b'),
    });
    expect(toPage(rows, 3, (r) => r.id)).toEqual({ items: ['a', 'b', 'c'] });
  });
});

describe('configuration', () => {
  it('stops with a message naming each bad variable', () => {
    try {
      loadConfig({ KAAS_PORT: 'eighty', KAAS_REDIS_URL: 'http://x', KAAS_LOG_LEVEL: 'loud' });
      throw new Error('no error');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain('KAAS_PORT');
      expect(message).toContain('KAAS_REDIS_URL');
      expect(message).toContain('KAAS_LOG_LEVEL');
    }
  });

  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.KAAS_REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.KAAS_DATABASE_URL).toBeUndefined();
    expect(config.KAAS_PROVIDERS).toEqual(['fake']);
  });
});
