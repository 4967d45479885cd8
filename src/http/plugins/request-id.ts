/**
 * Request ids: a client's `X-Request-ID` is kept when it is 1–128 characters of
 * `[A-Za-z0-9._:-]`, otherwise a fresh UUID is used. The id is echoed on every response,
 * bound to every log line of the request (`request_id`) and put in every error body.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const REQUEST_ID_HEADER = 'x-request-id';
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's `genReqId`: runs before anything else sees the request. */
export function requestIdFrom(request: IncomingMessage): string {
  const header = request.headers[REQUEST_ID_HEADER];
  return typeof header === 'string' && VALID_REQUEST_ID.test(header) ? header : randomUUID();
}

async function requestId(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', function echoRequestId(request, reply, done) {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}

export default fp(requestId, { name: 'quire-request-id', fastify: '5.x' });
