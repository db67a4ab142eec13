import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import * as schema from './schema.js';
import type { Config } from '../config/config.js';
import {
  listenEmbedded,
  listenPostgres,
  type NotificationHandlers,
  type NotificationSubscription,
} from './notifications.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Where the generated SQL migrations live, from src/ or from dist/. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Serialises migrations across processes that start together on one PostgreSQL. */
const MIGRATION_LOCK_KEY = 727_001;

export interface DatabaseHandle {
  readonly db: Db;
  readonly kind: 'postgres' | 'embedded';
  ping(): Promise<void>;
  /** LISTEN on a channel; the handlers say when notifications may have been missed. */
  listen(channel: string, handlers: NotificationHandlers): Promise<NotificationSubscription>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url?: string;
  /** Folder for the embedded database; ignored with a URL. */
  dataDir?: string;
  inMemory?: boolean;
  poolSize?: number;
  migrate?: boolean;
}

/** The database the configuration names: PostgreSQL at KAAS_DATABASE_URL, else the embedded one. */
export async function openConfiguredDatabase(config: Config): Promise<DatabaseHandle> {
  return openDatabase({
    ...(config.KAAS_DATABASE_URL ? { url: config.KAAS_DATABASE_URL } : {}),
    dataDir: config.KAAS_DATA_DIR,
    inMemory: config.KAAS_EMBEDDED_IN_MEMORY,
    poolSize: config.KAAS_DATABASE_POOL_SIZE,
  });
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  return options.url ? openPostgres(options.url, options) : openEmbedded(options);
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<DatabaseHandle> {
  const { default: pg } = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle client losing its server (restart, failover) must not crash the process.
  pool.on('error', () => undefined);
  if (options.migrate !== false) {
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await migrate(drizzle({ client, schema }), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await client
        .query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
        .catch(() => undefined);
      client.release();
    }
  }
  const db = drizzle({ client: pool, schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    listen: async (channel, handlers) => listenPostgres(pg, url, channel, handlers),
    close: () => pool.end(),
  };
}

async function openEmbedded(options: DatabaseOptions): Promise<DatabaseHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  let client: InstanceType<typeof PGlite>;
  if (options.inMemory) {
    client = new PGlite();
  } else {
    const dir = resolve(join(options.dataDir ?? '.data', 'pglite'));
    mkdirSync(dir, { recursive: true });
    client = new PGlite(dir);
  }
  await client.waitReady;
  const db = drizzle({ client, schema }) as unknown as Db;
  if (options.migrate !== false) {
    await migrate(drizzle({ client, schema }), { migrationsFolder: MIGRATIONS_FOLDER });
  }
  return {
    db,
    kind: 'embedded',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    listen: (channel, handlers) => listenEmbedded(client, channel, handlers),
    close: () => client.close(),
  };
}

/** PostgreSQL's unique_violation, as drizzle surfaces it from either driver. */
export function isUniqueViolation(error: unknown): boolean {
  const candidates = [error, (error as { cause?: unknown } | undefined)?.cause];
  return candidates.some(
    (e) => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505',
  );
}
