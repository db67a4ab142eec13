import 'reflect-metadata';
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Test } from '@nestjs/testing';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { API_CONTROLLERS } from '../api/api.controllers.js';
import { buildOpenApiDocument } from './document.js';

/**
 * Writes openapi/openapi.json from the controllers and schemas alone: no database, no Redis.
 * Dependencies of the controllers are stand-ins, since only their routes are read.
 */
async function main(): Promise<void> {
  const moduleRef = await Test.createTestingModule({ controllers: API_CONTROLLERS })
    .useMocker(() => ({}))
    .compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  const document = buildOpenApiDocument(app);
  const target = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url));
  mkdirSync(fileURLToPath(new URL('../../openapi/', import.meta.url)), { recursive: true });
  writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
  await app.close();
  process.stdout.write(`wrote ${target}\n`);
}

await main();
