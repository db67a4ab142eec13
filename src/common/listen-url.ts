import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';

/** The URL a listening process answers on (port 0 in the configuration: the one it was given). */
export function listenUrl(fastify: FastifyInstance, config: Config): string {
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : config.KAAS_PORT;
  return `http://${config.KAAS_HOST === '0.0.0.0' ? '127.0.0.1' : config.KAAS_HOST}:${port}`;
}
