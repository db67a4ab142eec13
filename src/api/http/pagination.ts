import { z } from 'zod';
import { BadRequestError } from '../../domain/errors.js';
import { UUID_PATTERN } from '../../domain/ids.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z.string().max(200).optional(),
});

/** Cursors are opaque to clients: base64url of the last id of the previous page. */
export function encodeCursor(lastId: string | number): string {
  return Buffer.from(String(lastId)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString();
  if (!UUID_PATTERN.test(decoded) && !/^\d+$/.test(decoded)) {
    throw new BadRequestError('the cursor is not valid', [{ field: 'cursor', message: 'not a cursor this API issued' }]);
  }
  return decoded;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Fetch limit + 1 rows, give back `limit`, and a cursor when more remain. */
export function toPage<R extends { id: string | number }, T>(rows: R[], limit: number, map: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  const page: Page<T> = { items: items.map(map) };
  if (rows.length > limit && items.length > 0) page.nextCursor = encodeCursor(items[items.length - 1]!.id);
  return page;
}
