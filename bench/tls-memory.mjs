// Diagnostic: what one TLS client connection costs in RSS, the floor under each watched tenant
// cluster of the health monitor (one keep-alive TLS connection per cluster, each with its
// cluster's CA and client certificate). The server runs in a child process so that only the
// client side is counted. Usage: node bench/tls-memory.mjs [--connections 400]
import { fork } from 'node:child_process';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { args, fmt, run } from './lib.mjs';

const opts = args({ connections: 400, server: false });

async function material() {
  const { generateCertificateAuthority, signClientCertificate } =
    await import('../dist/bootstrap/pki.js');
  const ca = await generateCertificateAuthority('bench-ca');
  const client = await signClientCertificate(ca, { commonName: 'bench-client' });
  const server = await generateCertificateAuthority('127.0.0.1');
  return { ca, client, server };
}

function server() {
  process.once('message', ({ cert, key }) => {
    const listener = tls.createServer({ cert, key }, (socket) => socket.write('hello\n'));
    listener.listen(0, '127.0.0.1', () => process.send(listener.address().port));
  });
}

const rss = () => process.memoryUsage().rss;
const settle = async () => {
  await new Promise((resolve) => setTimeout(resolve, 300));
  globalThis.gc?.();
};

/** RSS per item after making `count` of them with `make` and keeping them all. */
async function perItem(count, make) {
  await settle();
  const before = rss();
  const kept = [];
  for (let i = 0; i < count; i++) kept.push(await make());
  await settle();
  const kb = (rss() - before) / count / 1024;
  return { kb, kept };
}

async function main() {
  if (!globalThis.gc) throw new Error('run with node --expose-gc');
  const { ca, client, server: serving } = await material();
  const child = fork(fileURLToPath(import.meta.url), ['--server'], { stdio: 'inherit' });
  const port = await new Promise((resolve) => {
    child.once('message', resolve);
    child.send({ cert: serving.certPem, key: serving.keyPem });
  });
  const credentials = { ca: ca.certPem, cert: client.certPem, key: client.keyPem };
  const connect = (options) =>
    new Promise((resolve, reject) => {
      // The server's certificate is not what is measured here, so it is not verified.
      const socket = tls.connect(
        { host: '127.0.0.1', port, rejectUnauthorized: false, ...options },
        () => resolve(socket),
      );
      socket.on('error', reject);
      socket.on('data', () => undefined);
    });
  try {
    const n = opts.connections;
    const bare = await perItem(n, async () => tls.createSecureContext({}));
    const own = await perItem(n, async () => tls.createSecureContext(credentials));
    console.log(
      `secure context: ${fmt(bare.kb, 1)} KB empty, ${fmt(own.kb, 1)} KB with a CA, ` +
        `a client certificate and its key`,
    );
    const shared = tls.createSecureContext(credentials);
    const sharing = await perItem(n, () => connect({ secureContext: shared }));
    const owning = await perItem(n, () => connect(credentials));
    console.log(
      `TLS client connection (${n}, idle after the handshake): ${fmt(sharing.kb, 1)} KB with ` +
        `a shared context, ${fmt(owning.kb, 1)} KB with its own (as each tenant cluster has), ` +
        `${owning.kept[0].getProtocol()}`,
    );
    for (const socket of [...sharing.kept, ...owning.kept]) socket.destroy();
  } finally {
    child.kill();
  }
}

if (opts.server) server();
else run(main);
