import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { NodePoolSpec } from './api-types.js';
import { UsageError } from './errors.js';

type Json = Record<string, unknown>;

/** Parses `name=replicas[:flavor]`, the value of a repeatable `--pool`. */
export function parsePool(value: string, previous: NodePoolSpec[] = []): NodePoolSpec[] {
  const match = /^([^=]+)=(\d+)(?::(.+))?$/.exec(value);
  if (!match) throw new UsageError(`--pool "${value}" is not name=replicas[:flavor]`);
  const [, name, replicas, flavor] = match;
  const pool: NodePoolSpec = { name: name!, replicas: Number(replicas) };
  return [...previous, flavor ? { ...pool, flavor } : pool];
}

/** Collects repeatable `--set key=value` flags. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Reads a YAML or JSON object from a file, or from stdin when the path is `-`. */
export function readObjectFile(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const value: unknown = parse(text); // YAML is a superset of JSON
  if (!isObject(value)) throw new UsageError(`${path} does not hold an object`);
  return value;
}

/**
 * Turns `spec.kubernetesVersion=1.36.3` flags into a nested merge patch. Values that parse as
 * JSON (numbers, booleans, null, objects) keep their type; anything else is a string.
 */
export function patchFromSets(sets: readonly string[]): Json {
  const patch: Json = {};
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set "${set}" is not key=value`);
    setPath(patch, set.slice(0, eq).split('.'), parseValue(set.slice(eq + 1)));
  }
  return patch;
}

function setPath(target: Json, keys: string[], value: unknown): void {
  const [head, ...rest] = keys;
  if (!head) throw new UsageError('--set has an empty key');
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const child = isObject(target[head]) ? target[head] : {};
  target[head] = child;
  setPath(child, rest, value);
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    // Not JSON, so a plain string such as a version or a flavor name.
    return raw;
  }
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface CreateFlags {
  file?: string;
  provider?: string;
  kubernetesVersion?: string;
  pool?: NodePoolSpec[];
}

/** The create request: the file (if any) first, then flags on top. */
export function createRequest(name: string | undefined, flags: CreateFlags): Json {
  const base = flags.file ? readObjectFile(flags.file) : {};
  const spec: Json = isObject(base.spec) ? { ...base.spec } : {};
  if (flags.provider) spec.provider = flags.provider;
  if (flags.kubernetesVersion) spec.kubernetesVersion = flags.kubernetesVersion;
  if (flags.pool) spec.nodePools = flags.pool;
  const body: Json = { ...base, spec };
  if (name) body.name = name;
  if (typeof body.name !== 'string') throw new UsageError('a cluster name is required');
  if (typeof spec.provider !== 'string') {
    throw new UsageError('--provider is required (or spec.provider in the file)');
  }
  return body;
}
