/**
 * The web console: the built single-page app (console/, bundled by Vite) served as static files
 * under /console/, with a Content-Security-Policy of its own that still allows nothing inline and
 * nothing from another origin. Not listed in the OpenAPI document.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const CONSOLE_PREFIX = '/console/';

/** Scripts, styles, images and API calls from this origin only; no inline code, no framing. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface ConsoleRoutesOptions {
  /** The folder holding the built console's index.html and assets (the composition root's). */
  dir: string;
}

export async function consoleRoutes(
  app: FastifyInstance,
  { dir }: ConsoleRoutesOptions,
): Promise<void> {
  // Runs after the global security-headers hook, so this policy replaces the API's `'none'`.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('content-security-policy', CONSOLE_CSP);
  });
  await app.register(fastifyStatic, {
    root: dir,
    // With the prefix given without its slash, /console answers 301 to /console/.
    prefix: CONSOLE_PREFIX.slice(0, -1),
    redirect: true,
    decorateReply: false,
    index: ['index.html'],
    // Hashed asset names can be cached for good; index.html must be checked each time.
    setHeaders(reply, path) {
      reply.header(
        'cache-control',
        path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
      );
    },
    // The routes declare no scope: the console's files are public, its API calls carry the key.
    schemaHide: true,
  });
}
