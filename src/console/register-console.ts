import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** web/dist, from both src/console (tests) and dist/console (the built service). */
export const CONSOLE_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export const CONSOLE_BUILD_COMMAND = 'npx vite build --config web/vite.config.ts';

const MISSING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kaas console</title></head>
<body style="font-family: system-ui, sans-serif; margin: 10vh auto; max-width: 40em">
<h1>The kaas console is not built</h1>
<p>Build it in the repository, then reload this page:</p>
<pre>npm run web:build    # or: ${CONSOLE_BUILD_COMMAND}</pre>
</body></html>
`;

/**
 * Serves the web console at /console/ (the built files of web/dist). Without a build it answers
 * a page naming the build command, so the API still starts from a bare checkout.
 */
export async function registerConsole(
  fastify: FastifyInstance,
  root: string = CONSOLE_DIST,
): Promise<void> {
  fastify.get('/console', (_request, reply) => reply.redirect('/console/'));
  if (!existsSync(`${root}/index.html`)) {
    const missing = (_request: unknown, reply: FastifyReply) =>
      reply.code(503).type('text/html; charset=utf-8').send(MISSING_PAGE);
    fastify.get('/console/', missing);
    fastify.get('/console/*', missing);
    return;
  }
  await fastify.register(fastifyStatic, {
    root,
    prefix: '/console/',
    // Hashed asset names change with every build, so they may be cached for good; index.html not.
    setHeaders: (reply, path) => {
      void reply.header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
    cacheControl: false,
  });
}
