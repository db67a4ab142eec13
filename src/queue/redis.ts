import { Redis, type RedisOptions } from 'ioredis';

/**
 * Workers block on Redis and must wait out a restart (maxRetriesPerRequest null); producers
 * must fail fast so a request never hangs on a queue (the resync catches up).
 */
export function createRedis(url: string, purpose: 'worker' | 'producer' | 'probe'): Redis {
  const options: RedisOptions =
    purpose === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
  const redis = new Redis(url, {
    ...options,
    lazyConnect: false,
    connectionName: `kaas-${purpose}`,
  });
  // Connection errors are retried by ioredis and surface through readiness; never crash on them.
  redis.on('error', () => undefined);
  return redis;
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
