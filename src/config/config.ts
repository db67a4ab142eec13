import { z } from 'zod';

/** Where the process reads its configuration: the environment, validated once at start. */
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const seconds = (fallback: number) => z.coerce.number().nonnegative().default(fallback);

const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

const configFields = z.object({
  KAAS_HOST: z.string().min(1).default('127.0.0.1'),
  KAAS_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  KAAS_PUBLIC_URL: z.url().optional(),
  KAAS_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  KAAS_DATABASE_URL: z
    .string()
    .regex(
      /^postgres(ql)?:\/\//,
      'must be a postgres:// URL; leave it unset for the embedded database',
    )
    .optional(),
  KAAS_DATA_DIR: z.string().min(1).default('.data'),
  KAAS_EMBEDDED_IN_MEMORY: booleanFlag(false),
  KAAS_DATABASE_POOL_SIZE: positiveInt(10),
  KAAS_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  KAAS_QUEUE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/)
    .default('kaas'),
  KAAS_BOOTSTRAP_TOKEN: z
    .string()
    .regex(
      /^kaas_[A-Za-z0-9_-]{32,}$/,
      'must look like kaas_ followed by at least 32 URL-safe characters',
    )
    .optional(),
  KAAS_WORKER_CONCURRENCY: positiveInt(8),
  KAAS_RESYNC_INTERVAL_SECONDS: seconds(30),
  /** How often every live cluster is observed even with nothing to do (failed machines). */
  KAAS_OBSERVE_INTERVAL_SECONDS: seconds(60),
  KAAS_LEASE_SECONDS: seconds(30),
  KAAS_JOB_STALLED_SECONDS: seconds(30),
  KAAS_RETRY_BASE_SECONDS: seconds(2),
  KAAS_RETRY_MAX_SECONDS: seconds(60),
  KAAS_SHUTDOWN_TIMEOUT_SECONDS: seconds(30),
  KAAS_PROVIDERS: z
    .string()
    .default('fake')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  KAAS_FAKE_BOOT_SECONDS: seconds(3),
  KAAS_FAKE_DELETE_SECONDS: seconds(1),
  KAAS_FAKE_FAILURES: z.string().default(''),
  KAAS_KWOK_WORKDIR: z.string().min(1).optional(),
  KAAS_KWOK_BOOT_SECONDS: seconds(2),
  KAAS_TOOLS_DIR: z.string().min(1).optional(),
  /** Folder for kind clusters' configs and node claims; default <KAAS_DATA_DIR>/kind. */
  KAAS_KIND_WORKDIR: z.string().min(1).optional(),
  /** The kind and docker binaries; names are looked up on PATH. */
  KAAS_KIND_BINARY: z.string().min(1).default('kind'),
  KAAS_DOCKER_BINARY: z.string().min(1).default('docker'),
  /** Extra pins `kindest/node:vX.Y.Z@sha256:<hex>`, comma-separated, for versions the catalogue lacks. */
  KAAS_KIND_NODE_IMAGES: z.string().default(''),
  /** Folder laid out `<component>/<version>/<file>`; add-on artefacts come from here, not the internet. */
  KAAS_ADDON_MIRROR: z.string().min(1).optional(),
  KAAS_ADDON_TIMEOUT_SECONDS: seconds(300),
  KAAS_ADDON_ATTEMPTS: positiveInt(5),
  /**
   * Key-encryption key for secrets at rest (cloud credentials, cluster CA material), as
   * `<id>:<base64 of 32 bytes>`. Unset with the embedded database: one is generated into
   * KAAS_DATA_DIR/kek (or kept in memory with KAAS_EMBEDDED_IN_MEMORY).
   */
  KAAS_KEK: z.string().min(1).optional(),
  /** Earlier KEKs, comma-separated, still accepted for decryption after a rotation. */
  KAAS_KEK_PREVIOUS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  /**
   * A regular expression a cloud's auth URL must match to be registered (and dialled): keeps
   * kaas from reaching hosts it should not, e.g. `^https://keystone\.example\.com[:/]`.
   */
  KAAS_CLOUD_AUTH_URL_ALLOW: z
    .string()
    .min(1)
    .refine((v) => {
      try {
        new RegExp(v);
        return true;
      } catch (error) {
        return !(error instanceof SyntaxError);
      }
    }, 'must be a regular expression')
    .optional(),
  /**
   * Whether a worker watches tenant nodes itself. Set it to false where `kaas monitor`
   * processes watch them instead (docs/adr/0016).
   */
  KAAS_WORKER_HEALTH_MONITOR: booleanFlag(true),
  /** How often provider resources of deleted clusters are looked for; 0 turns the sweep off. */
  KAAS_ORPHAN_SWEEP_INTERVAL_SECONDS: seconds(600),
  KAAS_OPENSTACK_REQUEST_TIMEOUT_SECONDS: seconds(30),
  KAAS_OPENSTACK_BOOT_TIMEOUT_SECONDS: seconds(1200),
  KAAS_OPENSTACK_LB_TIMEOUT_SECONDS: seconds(900),
  KAAS_OPENSTACK_NODE_JOIN_TIMEOUT_SECONDS: seconds(1200),
  KAAS_QUOTA_CLUSTERS: positiveInt(20),
  KAAS_QUOTA_NODES: positiveInt(500),
  KAAS_MAX_POOL_REPLICAS: positiveInt(1000),
  KAAS_BODY_LIMIT_BYTES: positiveInt(1024 * 1024),
  /** How long an Idempotency-Key is remembered (its answer replayed) before it is forgotten. */
  KAAS_IDEMPOTENCY_TTL_HOURS: z.coerce.number().positive().default(24),
  /** Requests per second each API token may make on average (0: no limit)… */
  KAAS_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(50),
  /** …and in a burst. */
  KAAS_RATE_LIMIT_BURST: positiveInt(200),
  /** Cluster documents the API keeps in memory for reads (docs/adr/0013); 0 turns it off. */
  KAAS_CLUSTER_CACHE_ENTRIES: z.coerce.number().int().min(0).default(5_000),
});

export const configSchema = configFields.superRefine((config, context) => {
  // No kaas monitor can share the embedded database: nothing would watch the clusters.
  if (!config.KAAS_WORKER_HEALTH_MONITOR && !config.KAAS_DATABASE_URL)
    context.addIssue({
      code: 'custom',
      path: ['KAAS_WORKER_HEALTH_MONITOR'],
      message:
        'false leaves node health to "kaas monitor" processes, which cannot share the embedded database: set KAAS_DATABASE_URL to a PostgreSQL server, or leave it unset',
    });
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; every problem names its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  return result.data;
}

/** Nest injection token for the typed config. */
export const CONFIG = Symbol('CONFIG');
