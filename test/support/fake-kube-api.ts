import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RecordedRequest {
  method: string;
  path: string;
  body: any;
}

export interface FakeKubeApiOptions {
  /** Names of the nodes that have joined; each is listed Ready until deleted. */
  nodes?: () => string[];
}

export interface FakeKubeApi {
  url: string;
  /** The API's self-signed serving certificate, which is also its CA. */
  caPem: string;
  requests: RecordedRequest[];
  /** Nodes deleted through the API. */
  deletedNodes: Set<string>;
  close(): Promise<void>;
}

type Answer = { status?: number; body: unknown };
type Route = (method: string, path: string, body: any) => Answer | undefined;

/**
 * Just enough of a Kubernetes API for the kind provider and the reconciler: bootstrap-token
 * Secrets are accepted (201, as the API answers a create) and recorded, `/version` answers, and
 * the joined nodes are listed Ready, cordoned, drained (no pods) and deleted.
 */
export async function startFakeKubeApi(options: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
  const requests: RecordedRequest[] = [];
  const cordoned = new Set<string>();
  const deletedNodes = new Set<string>();
  const node = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: { unschedulable: cordoned.has(name) },
    status: {
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-11-29T00:00:00Z' }],
    },
  });
  const nodeName = (path: string) => decodeURIComponent(path.slice('/api/v1/nodes/'.length));
  const routes: Route[] = [
    (method, path, body) =>
      method === 'POST' && path === '/api/v1/namespaces/kube-system/secrets'
        ? { status: 201, body: { apiVersion: 'v1', kind: 'Secret', ...body } }
        : undefined,
    (method, path) =>
      method === 'GET' && path === '/version' ? { body: { gitVersion: 'v1.37.2' } } : undefined,
    (method, path) => {
      if (method !== 'GET' || path !== '/api/v1/nodes') return undefined;
      const names = (options.nodes?.() ?? []).filter((n) => !deletedNodes.has(n));
      return { body: { apiVersion: 'v1', kind: 'NodeList', items: names.map(node) } };
    },
    (method, path, body) => {
      if (method !== 'PATCH' || !path.startsWith('/api/v1/nodes/')) return undefined;
      if (body?.spec?.unschedulable) cordoned.add(nodeName(path));
      return { body: node(nodeName(path)) };
    },
    (method, path) => {
      if (method !== 'DELETE' || !path.startsWith('/api/v1/nodes/')) return undefined;
      deletedNodes.add(nodeName(path));
      return { body: { kind: 'Status', status: 'Success' } };
    },
    (method, path) =>
      method === 'GET' && path === '/api/v1/pods'
        ? { body: { apiVersion: 'v1', kind: 'PodList', items: [] } }
        : undefined,
  ];
  const { cert, key } = selfSignedCertificate();
  const server: Server = createServer({ cert, key }, (req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      const method = req.method ?? '';
      const path = (req.url ?? '').split('?')[0]!;
      requests.push({ method, path: req.url ?? '', body });
      const answer = routes.map((route) => route(method, path, body)).find(Boolean) ?? {
        status: 404,
        body: { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 },
      };
      res.statusCode = answer.status ?? 200;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: cert,
    requests,
    deletedNodes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A CA-flagged certificate for 127.0.0.1 from the machine's openssl, good for one day. */
function selfSignedCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kaas-fake-api-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        '/CN=kubernetes',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    );
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
