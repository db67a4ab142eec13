import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONFIG, type Config } from '../../config/config.js';
import { TooManyRequestsError } from '../../domain/errors.js';
import { ReconcileQueue } from '../../queue/reconcile-queue.js';
import { withTimeout } from '../../queue/redis.js';

/**
 * A token bucket per key, kept in Redis so that every API process shares it: `rate` tokens a
 * second up to `burst`; a request takes one. Answers [allowed, milliseconds until a token].
 */
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, wait}
`;

/**
 * Per-token request limits. When Redis does not answer within a moment the request is let
 * through: an outage of the limiter must not become an outage of the API.
 */
@Injectable()
export class RateLimiter {
  private readonly logger = new Logger(RateLimiter.name);
  private lastWarning = 0;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly queue: ReconcileQueue,
  ) {}

  get enabled(): boolean {
    return this.config.KAAS_RATE_LIMIT_PER_SECOND > 0;
  }

  /**
   * Rejects with 429 (with when to come back) once the token's bucket is empty. Undefined when
   * limits are off, so that requests do not wait on a promise for nothing.
   */
  take(tokenId: string): Promise<void> | undefined {
    return this.enabled ? this.takeFromBucket(tokenId) : undefined;
  }

  private async takeFromBucket(tokenId: string): Promise<void> {
    const rate = this.config.KAAS_RATE_LIMIT_PER_SECOND;
    const burst = this.config.KAAS_RATE_LIMIT_BURST;
    let answer: [number, number];
    try {
      answer = (await withTimeout(
        this.queue.connection.eval(
          TAKE,
          1,
          `${this.config.KAAS_QUEUE_PREFIX}:ratelimit:${tokenId}`,
          rate,
          burst,
          Date.now(),
        ),
        250,
        'Redis',
      )) as [number, number];
    } catch (error) {
      if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        this.logger.warn(`rate limits not enforced while Redis does not answer: ${String(error)}`);
      }
      return;
    }
    const [allowed, waitMs] = answer;
    if (allowed !== 1) {
      throw new TooManyRequestsError(
        `this token made more than ${burst} requests in a burst or ${rate} a second on average; slow down`,
        Math.max(1, Math.ceil(waitMs / 1000)),
      );
    }
  }
}
