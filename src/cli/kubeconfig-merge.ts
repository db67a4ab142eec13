import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, stringify } from 'yaml';
import { isObject } from './cluster-input.js';
import { UsageError } from './errors.js';

interface Named {
  name: string;
  [key: string]: unknown;
}

export interface Kubeconfig {
  apiVersion?: string;
  kind?: string;
  clusters: Named[];
  contexts: Named[];
  users: Named[];
  'current-context'?: string;
  [key: string]: unknown;
}

export function parseKubeconfig(text: string, source: string): Kubeconfig {
  const raw: unknown = text.trim() ? parse(text) : {};
  if (!isObject(raw)) throw new UsageError(`${source} is not a kubeconfig`);
  const list = (key: string) => (Array.isArray(raw[key]) ? (raw[key] as Named[]) : []);
  return {
    ...raw,
    apiVersion: 'v1',
    kind: 'Config',
    clusters: list('clusters'),
    contexts: list('contexts'),
    users: list('users'),
  };
}

/**
 * Renames the served kubeconfig's cluster, user and context to one name so that several kaas
 * clusters (and other tools' entries) live side by side in one file.
 */
export function renameEntries(served: Kubeconfig, name: string): Kubeconfig {
  const cluster = served.clusters[0];
  const user = served.users[0];
  const context = served.contexts[0];
  if (!cluster || !user) throw new UsageError('the served kubeconfig has no cluster or user');
  const contextBody = isObject(context?.context) ? context.context : {};
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ ...cluster, name }],
    users: [{ ...user, name }],
    contexts: [{ name, context: { ...contextBody, cluster: name, user: name } }],
  };
}

/** Replaces entries of the same name, keeps every other entry, optionally switches context. */
export function mergeKubeconfig(
  target: Kubeconfig,
  incoming: Kubeconfig,
  setCurrent: boolean,
): Kubeconfig {
  const merge = (a: Named[], b: Named[]) => [
    ...a.filter((entry) => !b.some((n) => n.name === entry.name)),
    ...b,
  ];
  const merged: Kubeconfig = {
    ...target,
    clusters: merge(target.clusters, incoming.clusters),
    contexts: merge(target.contexts, incoming.contexts),
    users: merge(target.users, incoming.users),
  };
  const current = incoming.contexts[0]?.name;
  if (setCurrent && current) merged['current-context'] = current;
  return merged;
}

export function readKubeconfigFile(path: string): Kubeconfig {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  return parseKubeconfig(text, path);
}

/** 0600 because the file holds cluster-admin credentials. */
export function writeKubeconfigFile(path: string, config: Kubeconfig): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, stringify(config), { mode: 0o600 });
}
