// PostgreSQL cannot store NUL in text, so requests holding one are refused at the door.

/** True when any string or key in `value` holds a NUL character; allocates nothing. */
export function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNul);
  if (typeof value === 'object' && value !== null) {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      if (key.includes('\u0000') || hasNul((value as Record<string, unknown>)[key])) return true;
    }
  }
  return false;
}

/** The path to the first string (or key) holding a NUL character, if any. */
export function findNul(value: unknown, path = ''): string | undefined {
  return hasNul(value) ? locateNul(value, path) : undefined;
}

function locateNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'value' : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = locateNul(item, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return here;
      const found = locateNul(item, here);
      if (found) return found;
    }
  }
  return undefined;
}
