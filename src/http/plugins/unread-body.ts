/**
 * An answer sent before the request's body has fully arrived (an upload refused part-way, a 401
 * before the body): the rest of the body is still on the wire. Left alone, the stream that was
 * reading it stays paused, the HTTP parser stops, and the next request on the kept-alive
 * connection is never read (curl times out; fetch gets ECONNRESET). Such an answer says
 * `Connection: close`, the unread rest is read and dropped, and the socket is closed only once the
 * body has ended, the client has closed its side, or a byte or time bound is reached: closing at
 * once with bytes still arriving would send a reset that can destroy the answer before the client
 * reads it (a lingering close, as web servers do).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';

/** How long a refused body is drained after the answer before the socket is closed anyway. */
const LINGER_MS = 2000;
/** How much of a refused body is read and dropped at most. */
const LINGER_MAX_BYTES = 16 * 1024 * 1024;

/** Replaces Node's close-after-answer for this socket: half-close, drain, then close. */
function closeAfterDraining(request: IncomingMessage, socket: Socket): void {
  socket.destroySoon = function lingeringClose(): void {
    if (socket.writable) socket.end();
    let drained = 0;
    const close = (): void => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(close, LINGER_MS);
    request.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > LINGER_MAX_BYTES) close();
    });
    request.once('end', close);
    socket.once('end', close);
    socket.once('close', () => clearTimeout(timer));
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
