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

export interface FakeKubeApi {
  url: string;
  /** The API's self-signed serving certificate, which is also its CA. */
  caPem: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Just enough of a Kubernetes API for the kind provider's join path: bootstrap-token Secrets
 * are accepted (201, as the API answers a create) and recorded, `/version` answers.
 */
export async function startFakeKubeApi(): Promise<FakeKubeApi> {
  const requests: RecordedRequest[] = [];
  const { cert, key } = selfSignedCertificate();
  const server: Server = createServer({ cert, key }, (req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      requests.push({ method: req.method ?? '', path: req.url ?? '', body });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && req.url?.startsWith('/api/v1/namespaces/kube-system/secrets')) {
        res.statusCode = 201;
        res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', ...body }));
      } else if (req.method === 'GET' && req.url === '/version') {
        res.end(JSON.stringify({ gitVersion: 'v1.37.2' }));
      } else {
        res.statusCode = 404;
        res.end(
          JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: cert,
    requests,
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
