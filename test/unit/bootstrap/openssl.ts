import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs the machine's openssl: an independent implementation to check our certificates against. */
export function openssl(args: string[], input?: string | Buffer): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** `openssl verify`; returns its exit status and output instead of throwing. */
export function opensslVerify(
  caPem: string,
  certPem: string,
  extra: string[] = [],
): { ok: boolean; output: string } {
  return withFiles({ 'ca.crt': caPem, 'client.crt': certPem }, (dir) => {
    const result = spawnSync(
      'openssl',
      ['verify', ...extra, '-CAfile', join(dir, 'ca.crt'), join(dir, 'client.crt')],
      {
        encoding: 'utf8',
      },
    );
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
  });
}

/** kubeadm's documented recipe for the discovery hash. */
export function opensslDiscoveryHash(caPem: string): string {
  const publicKey = openssl(['x509', '-pubkey', '-noout'], caPem);
  const der = openssl(['pkey', '-pubin', '-outform', 'der'], publicKey);
  const digest = openssl(['dgst', '-sha256', '-hex'], der).toString('utf8');
  return `sha256:${digest.trim().split(/\s+/).at(-1)}`;
}

export function withFiles<T>(files: Record<string, string>, run: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'kaas-openssl-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
