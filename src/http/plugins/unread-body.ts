/**
 * An answer sent before the request's body has fully arrived (an upload refused part-way, a 401
 * before the body): the rest of the body is still on the wire. Left alone, the stream that was
 * reading it stays paused, the HTTP parser stops, and the next request on the kept-alive
 * connection is never read (curl times out; fetch gets ECONNRESET). Such an answer says
 * `Connection: close`, and the socket closes after draining the rest (a lingering close).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { lingerThenClose } from '../lingering-close.js';

/** Replaces Node's close-after-answer for this socket: half-close, drain the body, then close. */
function closeAfterDraining(request: IncomingMessage, socket: Socket): void {
  socket.destroySoon = function lingeringClose(): void {
    lingerThenClose(socket, request, [request]);
  };
}

async function unreadBody(app: FastifyInstance): Promise<void> {
  app.addHook('onSend', function closeAfterUnreadBody(request, reply, payload, done) {
    const raw = request.raw;
    // app.inject() requests have no real socket and no wire to drain.
    if (raw.complete || !(raw.socket instanceof Socket) || raw.socket.destroyed)
      return done(null, payload);
    reply.header('connection', 'close');
    // Whatever was reading the body (the multipart parser) has given up on it: read on, and drop.
    raw.unpipe();
    raw.resume();
    closeAfterDraining(raw, raw.socket);
    done(null, payload);
  });
}

export default fp(unreadBody, { name: 'quire-unread-body', fastify: '5.x' });
