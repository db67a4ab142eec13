import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import axios from 'axios';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { TerminalError, TransientError } from '../../src/domain/errors.js';
import { toReconcileError } from '../../src/providers/openstack/errors.js';
import {
  OpenStackHttpError,
  parseRetryAfter,
  sendWithRetry,
  type RetryPolicy,
} from '../../src/providers/openstack/http.js';

interface Recorded {
  service: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Responses recorded from the OpenStack testbed (test/fixtures/openstack). */
const FIXTURES = new URL('../fixtures/openstack/', import.meta.url);
const recorded: Record<string, Recorded> = Object.fromEntries(
  readdirSync(FIXTURES).map((file) => [
    file.replace(/\.json$/, ''),
    JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as Recorded,
  ]),
);

const FAST: RetryPolicy = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_000 };

/** Replays a recorded answer, or a scripted sequence of statuses, on 127.0.0.1. */
function replayServer() {
  const script: ((req: IncomingMessage, res: ServerResponse) => void)[] = [];
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const step = script.shift();
    if (step) return step(req, res);
    const name = (req.url ?? '').slice(1);
    const fixture = recorded[name];
    if (!fixture) {
      res.writeHead(500).end('no such fixture');
      return;
    }
    res.writeHead(fixture.status, fixture.headers);
    res.end(typeof fixture.body === 'string' ? fixture.body : JSON.stringify(fixture.body));
  });
  return { server, script, seen };
}

describe('OpenStack errors, on responses recorded from the testbed', () => {
  const { server, script, seen } = replayServer();
  const http = axios.create({ timeout: 2_000 });
  let base = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  async function failureOf(name: string, method = 'POST'): Promise<unknown> {
    try {
      await sendWithRetry(http, recorded[name]!.service, { method, url: `${base}/${name}` }, FAST);
    } catch (error) {
      return toReconcileError(error);
    }
    throw new Error(`${name} did not fail`);
  }

  it.each([
    [
      'nova-quota-exceeded',
      'OpenStackQuotaExceeded',
      /Quota exceeded for instances.*raise the project's quota/,
    ],
    ['neutron-quota-exceeded', 'OpenStackQuotaExceeded', /OverQuota/],
    [
      'nova-unknown-flavor',
      'OpenStackFlavorNotFound',
      /Flavor no-such-flavor could not be found.*flavor list/,
    ],
    ['nova-unknown-image', 'OpenStackImageNotFound', /Can not find requested image.*image list/],
    [
      'nova-invalid-user-data',
      'OpenStackInvalidUserData',
      /Nova refused the user data.*is not a 'base64'/,
    ],
    ['nova-user-data-too-large', 'OpenStackInvalidUserData', /is too long/],
    ['neutron-tags-in-post', 'OpenStackRejected', /Attribute 'tags' not allowed in POST/],
    ['nova-invalid-token', 'OpenStackAuthenticationFailed', /401/],
  ])('%s is terminal with reason %s and an actionable message', async (name, reason, message) => {
    const error = await failureOf(name);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as TerminalError).reason).toBe(reason);
    expect((error as TerminalError).message).toMatch(message);
  });

  it('a change while the load balancer is PENDING_* is transient, never terminal', async () => {
    const error = await failureOf('octavia-pending-create');
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).reason).toBe('OpenStackResourceBusy');
    expect((error as Error).message).toMatch(/immutable and cannot be updated/);
  });

  it('reads each service’s error shape into one line', async () => {
    const neutron = await failureOf('neutron-not-found', 'GET').catch((e: unknown) => e);
    expect((neutron as Error).message).toMatch(
      /404 NetworkNotFound: Network 0{8}-.* could not be found/,
    );
    const keystone = (await failureOf('keystone-wrong-password')) as Error;
    expect(keystone.message).toMatch(/401 The request you have made requires authentication/);
  });

  it('retries 503 after Retry-After and returns the answer that follows', async () => {
    seen.length = 0;
    const started = Date.now();
    script.push(
      (_q, res) => res.writeHead(503, { 'retry-after': '1' }).end('{"message":"busy"}'),
      (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    );
    const answer = await sendWithRetry<{ ok: boolean }>(
      http,
      'compute',
      { method: 'GET', url: `${base}/servers` },
      FAST,
    );
    expect(answer.data).toEqual({ ok: true });
    expect(seen).toEqual(['GET /servers', 'GET /servers']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('retries 5xx and 429 on reads with backoff, up to the attempt limit, then fails transiently', async () => {
    seen.length = 0;
    for (let i = 0; i < 4; i++) script.push((_q, res) => res.writeHead(i % 2 ? 429 : 502).end());
    const error = await sendWithRetry(
      http,
      'network',
      { method: 'GET', url: `${base}/ports` },
      FAST,
    )
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(4);
    expect(error).toBeInstanceOf(OpenStackHttpError);
    expect(toReconcileError(error)).toBeInstanceOf(TransientError);
  });

  it('does not repeat a create the service may have acted on (500), but does after 429', async () => {
    seen.length = 0;
    script.push((_q, res) => res.writeHead(500).end('{"computeFault":{"message":"boom"}}'));
    const error = await sendWithRetry(
      http,
      'compute',
      { method: 'POST', url: `${base}/servers` },
      FAST,
    )
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(seen).toEqual(['POST /servers']);
    expect((error as Error).message).toMatch(/500 boom/);
    seen.length = 0;
    script.push(
      (_q, res) => res.writeHead(429).end(),
      (_q, res) => res.writeHead(202).end('{}'),
    );
    await sendWithRetry(http, 'compute', { method: 'POST', url: `${base}/servers` }, FAST);
    expect(seen).toEqual(['POST /servers', 'POST /servers']);
  });

  it('does not repeat a create after a bare 503 (a gateway that lost the answer of a server it made), but does after 503 with Retry-After', async () => {
    seen.length = 0;
    script.push((_q, res) => res.writeHead(503).end('upstream connect error or disconnect/reset'));
    const error = await sendWithRetry(
      http,
      'compute',
      { method: 'POST', url: `${base}/servers` },
      FAST,
    ).catch((e: unknown) => e);
    expect(seen).toEqual(['POST /servers']);
    expect(toReconcileError(error)).toBeInstanceOf(TransientError);
    seen.length = 0;
    script.push(
      (_q, res) => res.writeHead(503, { 'retry-after': '0' }).end(),
      (_q, res) => res.writeHead(202).end('{}'),
    );
    await sendWithRetry(http, 'compute', { method: 'POST', url: `${base}/servers` }, FAST);
    expect(seen).toEqual(['POST /servers', 'POST /servers']);
  });

  it('retries a refused connection and maps its end to a transient error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await sendWithRetry(
      http,
      'image',
      { method: 'GET', url: `http://127.0.0.1:${port}/v2/images` },
      FAST,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, code: 'ECONNREFUSED' });
    const mapped = toReconcileError(error) as TransientError;
    expect(mapped).toBeInstanceOf(TransientError);
    expect(mapped.reason).toBe('OpenStackUnavailable');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-29T05:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 05:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
