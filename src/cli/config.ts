import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { UsageError } from './errors.js';

export interface Context {
  name: string;
  server: string;
  token?: string;
  project?: string;
}

export type ContextUpdate = { name: string } & { [K in keyof Context]?: Context[K] | undefined };

export interface CliConfig {
  'current-context'?: string;
  contexts: Context[];
}

/** `KAASCTL_CONFIG` wins so tests and CI never touch the user's own file. */
export function configPath(): string {
  return process.env.KAASCTL_CONFIG ?? join(homedir(), '.config', 'kaas', 'config.yaml');
}

export function loadConfig(path = configPath()): CliConfig {
  if (!existsSync(path)) return { contexts: [] };
  const raw = parse(readFileSync(path, 'utf8')) as Partial<CliConfig> | null;
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new UsageError(`${path} is not a kaasctl config file`);
  }
  return { ...raw, contexts: Array.isArray(raw?.contexts) ? raw.contexts : [] };
}

/** Written 0600: the file holds API tokens. */
export function saveConfig(config: CliConfig, path = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, stringify(config), { mode: 0o600 });
}

/** Adds the context or updates the fields given, keeping the others. */
export function upsertContext(config: CliConfig, update: ContextUpdate): CliConfig {
  const existing = config.contexts.find((c) => c.name === update.name);
  const merged = { ...existing, ...definedOnly(update) };
  if (!merged.server) throw new UsageError(`context "${update.name}" needs --server`);
  if (!merged.name) throw new UsageError('a context needs a name');
  const contexts = existing
    ? config.contexts.map((c) => (c.name === update.name ? (merged as Context) : c))
    : [...config.contexts, merged as Context];
  return {
    ...config,
    'current-context': config['current-context'] ?? update.name,
    contexts,
  };
}

export function findContext(config: CliConfig, name: string): Context {
  const context = config.contexts.find((c) => c.name === name);
  if (!context) throw new UsageError(`no context named "${name}" in ${configPath()}`);
  return context;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
