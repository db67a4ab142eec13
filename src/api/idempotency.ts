import { createHash } from 'node:crypto';
import { BadRequestError, ValidationError } from '../domain/errors.js';
import { isUniqueViolation, type Db } from '../persistence/database.js';
import { repositories } from '../persistence/repositories.js';

export interface Answer<T = unknown> {
  status: number;
  body: T;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

/** A key is checked even where it is not used (dry runs, no-op changes): bad input is bad input. */
export function checkIdempotencyKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new BadRequestError('the Idempotency-Key header is not valid', [
      { field: 'Idempotency-Key', message: 'must be 1 to 200 visible ASCII characters' },
    ]);
  }
}

/**
 * Runs `work` in a transaction at most once per (project, Idempotency-Key). The key row is
 * inserted first, so a concurrent twin waits on it and then replays the stored answer; the
 * same key with another request body answers 422.
 */
export async function runIdempotent<T>(
  db: Db,
  projectId: string,
  key: string | undefined,
  fingerprint: unknown,
  work: (tx: Db) => Promise<Answer<T>>,
): Promise<Answer<T>> {
  if (key === undefined) return db.transaction((tx) => work(tx as unknown as Db));
  checkIdempotencyKey(key);
  const requestHash = createHash('sha256').update(JSON.stringify(fingerprint)).digest('hex');
  const replay = async (): Promise<Answer<T> | undefined> => {
    const stored = await repositories(db).idempotency.find(projectId, key);
    if (!stored) return undefined;
    if (stored.requestHash !== requestHash) {
      throw new ValidationError('this Idempotency-Key was already used with a different request', [
        { field: 'Idempotency-Key', message: 'reuse a key only to retry the very same request' },
      ]);
    }
    return { status: stored.statusCode, body: stored.response as T };
  };
  const earlier = await replay();
  if (earlier) return earlier;
  try {
    return await db.transaction(async (tx) => {
      const repos = repositories(tx as unknown as Db);
      await repos.idempotency.insert(projectId, key, { requestHash, statusCode: 0, response: {} });
      const answer = await work(tx as unknown as Db);
      await repos.idempotency.complete(projectId, key, answer.status, answer.body);
      return answer;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      const twin = await replay();
      if (twin) return twin;
    }
    throw error;
  }
}
