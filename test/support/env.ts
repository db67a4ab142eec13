/** Where the tests find their real services; scripts/services.sh starts these defaults. */
export const TEST_DATABASE_URL =
  process.env.KAAS_TEST_DATABASE_URL ?? 'postgres://kaas@127.0.0.1:55432/postgres';
export const TEST_REDIS_URL = process.env.KAAS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
