import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/persistence/database.js';
import { repositories } from '../../src/persistence/repositories.js';
import { clusterSecrets, openstackClouds } from '../../src/persistence/schema.js';
import {
  KeyRing,
  decryptSecret,
  encryptSecret,
  envelopeKeyId,
  parseKek,
} from '../../src/security/envelope.js';
import { uuidv7 } from '../../src/domain/ids.js';
import { createTestDatabase } from '../support/postgres.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const kek = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

/** Runs `kaas rotate-keys` as an operator would, against the test database. */
function rotate(env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [MAIN, 'rotate-keys'],
      { env: { ...process.env, KAAS_LOG_LEVEL: 'silent', ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/**
 * Secrets at rest: what the database holds of a cloud's password and a cluster's CA key is
 * ciphertext under a named KEK; `kaas rotate-keys` moves every envelope to a new KEK, after
 * which the old one is not needed.
 */
describe('secrets at rest and key rotation', () => {
  let database: DatabaseHandle;
  let url: string;
  let drop: () => Promise<void>;
  const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
  const CA_KEY = `-----BEGIN EC PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END EC PRIVATE KEY-----\n`;
  const OLD = kek('old-1');
  const NEW = kek('new-2');
  const clusterId = uuidv7();

  beforeAll(async () => {
    const db = await createTestDatabase();
    url = db.url;
    drop = db.drop;
    database = await openDatabase({ url });
    const old = parseKek(OLD);
    await repositories(database.db).clouds.insert({
      id: uuidv7(),
      name: 'lab',
      authUrl: 'http://127.0.0.1:5000/v3',
      region: 'RegionOne',
      endpointInterface: 'public',
      credentialType: 'password',
      credentials: encryptSecret(JSON.stringify({ username: 'demo', password: PASSWORD }), old),
    });
    await repositories(database.db).clusterSecrets.putIfAbsent(
      clusterId,
      'ca.key',
      encryptSecret(CA_KEY, old, { context: `cluster/${clusterId}/ca.key` }),
    );
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  /** Every row of every table, as text. */
  async function everyRow(): Promise<string> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const tables = await client.query<{ tablename: string }>(
        "select tablename from pg_tables where schemaname = 'public'",
      );
      let all = '';
      for (const { tablename } of tables.rows) {
        const rows = await client.query(`select row_to_json(t)::text as j from "${tablename}" t`);
        all += rows.rows.map((r: { j: string }) => r.j).join('\n');
      }
      return all;
    } finally {
      await client.end();
    }
  }

  it('keeps no secret material in any table', async () => {
    const dump = await everyRow();
    expect(dump).toContain('lab');
    expect(dump).not.toContain(PASSWORD);
    expect(dump).not.toContain('BEGIN EC PRIVATE KEY');
    expect(dump).not.toContain(CA_KEY.split('\n')[1]!);
  });

  it('rotates every envelope to the new KEK with a command; the old KEK is then not needed', async () => {
    const run = await rotate({ KAAS_DATABASE_URL: url, KAAS_KEK: NEW, KAAS_KEK_PREVIOUS: OLD });
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain(
      '2 secrets, 2 re-wrapped under "new-2", 0 still under another key',
    );
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);

    const onlyNew = KeyRing.parse(NEW);
    const [cloud] = await database.db.select().from(openstackClouds);
    expect(envelopeKeyId(cloud!.credentials)).toBe('new-2');
    expect(JSON.parse(decryptSecret(cloud!.credentials, onlyNew)).password).toBe(PASSWORD);
    const [secret] = await database.db.select().from(clusterSecrets);
    expect(envelopeKeyId(secret!.envelope)).toBe('new-2');
    expect(
      decryptSecret(secret!.envelope, onlyNew, { context: `cluster/${clusterId}/ca.key` }),
    ).toBe(CA_KEY);
    expect(await everyRow()).not.toContain(PASSWORD);

    // Again: nothing left to do.
    const again = await rotate({ KAAS_DATABASE_URL: url, KAAS_KEK: NEW });
    expect(again.stdout).toContain('2 secrets, 0 re-wrapped');
  });

  it('refuses to run without a key-encryption key', async () => {
    const run = await rotate({ KAAS_DATABASE_URL: url });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('set KAAS_KEK');
  });
});
