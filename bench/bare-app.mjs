// A bare NestJS + Fastify app with one GET route, the baseline for api-reads.mjs.
// Usage: BARE_PORT=… BARE_BODY_FILE=… node bench/bare-app.mjs (body: a JSON document to return).
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

const document = process.env.BARE_BODY_FILE
  ? JSON.parse(readFileSync(process.env.BARE_BODY_FILE, 'utf8'))
  : { name: 'bare', status: { phase: 'Running' } };

// Decorators applied by hand, so the file runs without a compiler.
class BareController {
  get() {
    return document;
  }
}
Controller('v1/bare')(BareController);
Get(':name')(
  BareController.prototype,
  'get',
  Object.getOwnPropertyDescriptor(BareController.prototype, 'get'),
);

class BareModule {}
Module({ controllers: [BareController] })(BareModule);

const app = await NestFactory.create(BareModule, new FastifyAdapter(), { logger: false });
await app.listen({ port: Number(process.env.BARE_PORT ?? 0), host: '127.0.0.1' });
console.log(`bare listening on ${await app.getUrl()}`);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
