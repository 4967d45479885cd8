/**
 * Helmet's security headers on every response; a strict CSP suits a JSON API. Helmet computes the
 * same headers for every request from the same options, so they are computed once at start and
 * copied onto each reply (@fastify/helmet re-runs helmet per request: ~35 µs each, measured in
 * bench/http.ts; see docs/adr/0004-request-path-costs.md).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  // The API serves JSON; only /docs renders HTML, and swagger-ui sets its own CSP there.
  contentSecurityPolicy: {
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  crossOriginResourcePolicy: { policy: 'same-site' },
};

/** Runs helmet once against a recording response and returns the headers it set. */
export function computeSecurityHeaders(options: Readonly<HelmetOptions>): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  } as unknown as ServerResponse;
  let failure: unknown;
  helmet(options)({} as IncomingMessage, recorder, (error?: unknown) => {
    failure = error;
  });
  if (failure !== undefined) throw failure;
  return headers;
}

/** What every answer carries, computed once (the error handler adds them where no hook ran). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> =
  computeSecurityHeaders(HELMET_OPTIONS);

async function securityHeaders(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', function addSecurityHeaders(_request, reply, done) {
    reply.headers(SECURITY_HEADERS);
    done();
  });
}

export default fp(securityHeaders, { name: 'quire-security-headers', fastify: '5.x' });
