import {
  createServer,
  request as forwardRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { generator } from './seeded.js';

/**
 * What the proxy does to a request it picks:
 * - `refused`: answers 5xx without forwarding (the cloud did nothing);
 * - `lost`: forwards, lets the cloud do the work, then answers 5xx instead of its answer;
 * - `held`: holds the request without forwarding until the client gives up;
 * - `heldAfterWork`: forwards, then holds the cloud's answer until the client gives up.
 * `lost` and `heldAfterWork` are what make duplicates of a create that is simply sent again.
 */
export const FAULT_KINDS = ['refused', 'lost', 'held', 'heldAfterWork'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const STATUSES = [500, 502, 503, 504] as const;

export interface FaultProxyOptions {
  /** Keystone's origin, e.g. http://127.0.0.1:5000. */
  keystone: string;
  seed: number;
  /** The share of requests given a fault, 0..1. */
  rate: number;
  /** How long a held request is kept open: longer than the client's timeout. */
  holdMs: number;
  /** A fault for a chosen request, given on top of the seeded ones. */
  decide?: (method: string, path: string) => FaultKind | undefined;
}

export interface FaultCounts {
  requests: number;
  /** Requests that arrived while faults were armed. */
  armedRequests: number;
  /** Requests picked for a fault while armed, by kind. */
  byKind: Record<FaultKind, number>;
  /** Faults given to creates (POST), by kind: the ones that can duplicate. */
  postsByKind: Record<FaultKind, number>;
  /** Faults by the upstream they stood in front of (host:port). */
  byUpstream: Record<string, number>;
  /** Statuses of the 5xx answers given to creates the cloud had carried out. */
  lostPostStatuses: number[];
  /** `METHOD path status` of every answer the cloud gave, faulted or not. */
  answered: string[];
  /** The slowest answer of the cloud: the client's timeout must stay above it. */
  slowest: { ms: number; request: string };
}

export interface FaultProxy {
  /** Keystone through the proxy, `/v3` included: what a cloud is registered with. */
  authUrl: string;
  counts: FaultCounts;
  /** Faults are injected only while armed; unarmed, the proxy forwards faithfully. */
  arm(armed: boolean): void;
  /** The upstreams a listener was opened for (Keystone and every catalog endpoint seen). */
  upstreams(): string[];
  stop(): Promise<void>;
}

interface Upstream {
  host: string;
  port: number;
  /** The proxy's own origin for this upstream. */
  origin: string;
  server: Server;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * An HTTP proxy in front of an OpenStack cloud that injects seeded faults. One listener per
 * upstream: Keystone's, and one for each service endpoint of the catalogs Keystone issues,
 * whose URLs are rewritten to point at the proxy, so that every call a client makes after
 * signing in passes through it. The seed fixes the sequence of faults; which request meets
 * which fault still depends on the order requests arrive in.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = generator(options.seed);
  const upstreams = new Map<string, Promise<Upstream>>();
  const holds = new Set<NodeJS.Timeout>();
  let armed = false;
  const zero = () =>
    Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  const counts: FaultCounts = {
    requests: 0,
    armedRequests: 0,
    byKind: zero(),
    postsByKind: zero(),
    byUpstream: {},
    lostPostStatuses: [],
    answered: [],
    slowest: { ms: 0, request: '' },
  };

  function draw(): Fault | undefined {
    // Three draws for every request, faulted or not: the sequence depends on the count only.
    const [pick, which, status] = [random(), random(), random()];
    if (!armed || pick >= options.rate) return undefined;
    return {
      kind: FAULT_KINDS[Math.floor(which * FAULT_KINDS.length)]!,
      status: STATUSES[Math.floor(status * STATUSES.length)]!,
    };
  }

  function hold(res: ServerResponse): void {
    const timer = setTimeout(() => {
      holds.delete(timer);
      res.socket?.destroy();
    }, options.holdMs);
    holds.add(timer);
  }

  function upstreamFor(origin: string): Promise<Upstream> {
    const url = new URL(origin);
    const key = `${url.hostname}:${url.port || '80'}`;
    let found = upstreams.get(key);
    if (!found) {
      found = listen(url.hostname, Number(url.port || '80'));
      upstreams.set(key, found);
    }
    return found;
  }

  async function listen(host: string, port: number): Promise<Upstream> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const upstream: Upstream = {
      host,
      port,
      origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      server,
    };
    server.on('request', (req, res) => {
      handle(upstream, req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(599, { 'content-type': 'text/plain' });
        res.end(`fault proxy: ${String(error)}`);
      });
    });
    return upstream;
  }

  /** The fault for this request, if any, counted. */
  function pick(upstream: Upstream, req: IncomingMessage): Fault | undefined {
    const method = req.method ?? 'GET';
    counts.requests++;
    if (armed) counts.armedRequests++;
    const drawn = draw();
    const decided = armed ? options.decide?.(method, req.url ?? '/') : undefined;
    const fault = decided ? { kind: decided, status: 502 } : drawn;
    if (!fault) return undefined;
    counts.byKind[fault.kind]++;
    if (method === 'POST') counts.postsByKind[fault.kind]++;
    const name = `${upstream.host}:${upstream.port}`;
    counts.byUpstream[name] = (counts.byUpstream[name] ?? 0) + 1;
    return fault;
  }

  async function forwardTimed(upstream: Upstream, req: IncomingMessage, body: Buffer) {
    const sentAt = Date.now();
    const answer = await forward(upstream, req, body);
    const ms = Date.now() - sentAt;
    counts.answered.push(`${req.method} ${req.url} ${answer.status}`);
    if (ms > counts.slowest.ms)
      counts.slowest = { ms, request: `${req.method} ${upstream.port}${req.url}` };
    return answer;
  }

  async function handle(upstream: Upstream, req: IncomingMessage, res: ServerResponse) {
    const body = await readAll(req);
    const fault = pick(upstream, req);
    if (fault?.kind === 'refused') return fail(res, fault.status);
    if (fault?.kind === 'held') return hold(res);
    const answer = await forwardTimed(upstream, req, body);
    if (fault?.kind === 'lost') {
      if (req.method === 'POST') counts.lostPostStatuses.push(fault.status);
      return fail(res, fault.status);
    }
    if (fault?.kind === 'heldAfterWork') return hold(res);
    send(res, await rewriteCatalog(answer));
  }

  /** Catalog endpoint URLs in a Keystone token (or catalog) answer, pointed at the proxy. */
  async function rewriteCatalog(answer: Answer): Promise<Answer> {
    if (!String(answer.headers['content-type'] ?? '').includes('json')) return answer;
    const parsed = JSON.parse(answer.body.toString('utf8')) as {
      token?: { catalog?: CatalogEntry[] };
      catalog?: CatalogEntry[];
    };
    const catalog = parsed.token?.catalog ?? parsed.catalog;
    if (!catalog) return answer;
    for (const entry of catalog)
      for (const endpoint of entry.endpoints) {
        const url = new URL(endpoint.url);
        const proxied = await upstreamFor(url.origin);
        endpoint.url = proxied.origin + endpoint.url.slice(url.origin.length);
      }
    return { ...answer, body: Buffer.from(JSON.stringify(parsed)) };
  }

  const keystone = await upstreamFor(options.keystone);
  return {
    authUrl: `${keystone.origin}/v3`,
    counts,
    arm: (value) => {
      armed = value;
    },
    upstreams: () => [...upstreams.keys()],
    stop: async () => {
      for (const timer of holds) clearTimeout(timer);
      for (const pending of upstreams.values()) {
        const { server } = await pending;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

interface Fault {
  kind: FaultKind;
  status: number;
}

interface CatalogEntry {
  endpoints: { url: string }[];
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function forward(upstream: Upstream, req: IncomingMessage, body: Buffer): Promise<Answer> {
  const headers = { ...req.headers, host: `${upstream.host}:${upstream.port}` };
  delete headers['accept-encoding'];
  delete headers['transfer-encoding'];
  headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const outgoing = forwardRequest(
      { host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers },
      (incoming) => {
        readAll(incoming)
          .then((data) =>
            resolve({ status: incoming.statusCode ?? 502, headers: incoming.headers, body: data }),
          )
          .catch(reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function send(res: ServerResponse, answer: Answer): void {
  const headers = { ...answer.headers };
  delete headers['transfer-encoding'];
  delete headers.connection;
  headers['content-length'] = String(answer.body.length);
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

function fail(res: ServerResponse, status: number): void {
  const body = JSON.stringify({ faultstring: `injected ${status} by the fault proxy` });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}
