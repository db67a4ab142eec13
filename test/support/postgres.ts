import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/persistence/database.js';
import { randomBytes } from 'node:crypto';
import { TEST_DATABASE_URL } from './env.js';

/** A fresh database on the test PostgreSQL server, dropped by `drop()`. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `kaas_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/**
 * A migrated database of either kind kaas runs on: a fresh one on the test PostgreSQL server,
 * or embedded PGlite in memory. `close` closes it and drops the PostgreSQL one.
 */
export async function openTestDatabase(
  kind: 'postgres' | 'embedded',
): Promise<{ database: DatabaseHandle; close: () => Promise<void> }> {
  if (kind === 'embedded') {
    const database = await openDatabase({ inMemory: true });
    return { database, close: () => database.close() };
  }
  const db = await createTestDatabase();
  const database = await openDatabase({ url: db.url });
  return {
    database,
    close: async () => {
      await database.close();
      await db.drop();
    },
  };
}
