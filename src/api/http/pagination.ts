import { z } from 'zod';
import { BadRequestError } from '../../domain/errors.js';
import { UUID_PATTERN } from '../../domain/ids.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/**
 * A cursor is the id of the last item of the previous page: a time-ordered UUIDv7, or for
 * audit records their sequence number.
 */
export const UUID_CURSOR = UUID_PATTERN;
export const SEQUENCE_CURSOR = /^[1-9][0-9]{0,15}$/;

export const cursorSchema = z.string().regex(UUID_CURSOR, 'not a cursor this API issued');
export const sequenceCursorSchema = z
  .string()
  .regex(SEQUENCE_CURSOR, 'not a cursor this API issued');

export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: cursorSchema.optional(),
});

export const sequencePageQuerySchema = pageQuerySchema.extend({
  cursor: sequenceCursorSchema.optional(),
});

export function encodeCursor(lastId: string | number): string {
  return String(lastId);
}

/** Checks a cursor again where it is used, so no query ever sees a malformed one. */
export function decodeCursor(
  cursor: string | undefined,
  pattern: RegExp = UUID_CURSOR,
): string | undefined {
  if (cursor === undefined) return undefined;
  if (!pattern.test(cursor)) {
    throw new BadRequestError('the cursor is not valid', [
      { field: 'cursor', message: 'not a cursor this API issued' },
    ]);
  }
  return cursor;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Fetch limit + 1 rows, give back `limit`, and a cursor when more remain. */
export function toPage<R extends { id: string | number }, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const page: Page<T> = { items: items.map(map) };
  if (rows.length > limit && items.length > 0)
    page.nextCursor = encodeCursor(items[items.length - 1]!.id);
  return page;
}
