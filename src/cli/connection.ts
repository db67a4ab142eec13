import type { Command } from 'commander';
import { KaasApi, type Connection } from './api-client.js';
import { findContext, loadConfig, type Context } from './config.js';
import { UsageError } from './errors.js';

export interface GlobalOptions {
  server?: string;
  token?: string;
  project?: string;
  context?: string;
}

/** Flags override the chosen context (`--context`, else the current one) field by field. */
export function resolveConnection(options: GlobalOptions): Connection {
  const context = chosenContext(options);
  const server = options.server ?? context?.server;
  if (!server) {
    throw new UsageError(
      'no server: pass --server or run "kaasctl config set-context NAME --server URL --token T"',
    );
  }
  const token = options.token ?? context?.token;
  return {
    server,
    project: options.project ?? context?.project ?? 'default',
    ...(token ? { token } : {}),
  };
}

function chosenContext(options: GlobalOptions): Context | undefined {
  const config = loadConfig();
  const name = options.context ?? config['current-context'];
  if (!name) return undefined;
  return findContext(config, name);
}

/** The API client for a command, from its own and its ancestors' flags. */
export function apiFor(command: Command): KaasApi {
  return new KaasApi(resolveConnection(command.optsWithGlobals<GlobalOptions>()));
}
