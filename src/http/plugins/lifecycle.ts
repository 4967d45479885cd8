/**
 * Shutdown as the HTTP layer sees it.
 * - `lifecycle.shuttingDown` flips on the first signal: /readyz answers 503 from then on, while
 *   traffic is still served (during QUIRE_SHUTDOWN_DELAY_MS load balancers notice).
 * - Once the app is closing (listener closed, in-flight requests draining), a request that still
 *   arrives on an open keep-alive connection gets 503 SHUTTING_DOWN with `Connection: close`, as
 *   problem+json (Fastify's own return503OnClosing answer is not, so it is off in app.ts).
 * - Once the listener has closed, every answer says `Connection: close` (unless the client has
 *   already pipelined another request on that socket, which is answered first): a keep-alive
 *   client leaves after its answer instead of sending its next request into a socket that closes.
 * - Keep-alive sockets idle for IDLE_GRACE_MS are closed, swept every 100 ms while closing:
 *   otherwise close() waits out keepAliveTimeout (fastify#7044). Node's own close() destroys every
 *   socket that is idle at that instant, including one whose client has just sent its next request
 *   (it gets ECONNRESET): the server's closeIdleConnections is replaced by this gentler sweep.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Socket } from 'node:net';
import { AppError } from '../../errors.js';
import type { Lifecycle } from '../types.js';

const IDLE_SWEEP_INTERVAL_MS = 100;
/** How long a keep-alive socket must have been idle to be closed while draining. */
const IDLE_GRACE_MS = 1000;

interface SocketUse {
  /** Requests received on the socket and not yet answered (more than one when pipelined). */
  inFlight: number;
  /** When the last answer finished (or the connection opened). */
  idleSince: number;
}

/** Route config for routes that still answer while the app drains (liveness, readiness). */
export const SERVED_WHILE_DRAINING = { servedWhileDraining: true };

async function lifecycle(app: FastifyInstance): Promise<void> {
  const state: Lifecycle = { shuttingDown: false, draining: false, startedAt: Date.now() };
  app.decorate('lifecycle', state);

  app.addHook('onRequest', function refuseWhileDraining(request, reply, done) {
    if (!state.draining || request.routeOptions.config.servedWhileDraining === true) return done();
    reply.header('connection', 'close');
    done(
      new AppError('SHUTTING_DOWN', 'This instance is shutting down; retry the request', {
        retryAfterSeconds: 1,
      }),
    );
  });

  const server = app.server;
  const sockets = new Map<Socket, SocketUse>();
  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { inFlight: 0, idleSince: Date.now() });
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (request: { socket: Socket }, response: NodeJS.EventEmitter) => {
    const use = sockets.get(request.socket);
    if (use === undefined) return;
    use.inFlight += 1;
    response.once('close', () => {
      use.inFlight -= 1;
      use.idleSince = Date.now();
    });
  });

  app.addHook('onSend', function closeWhileDraining(request, reply, payload, done) {
    const use = sockets.get(request.raw.socket);
    if (state.draining && !server.listening && (use?.inFlight ?? 1) <= 1) {
      reply.header('connection', 'close');
    }
    done(null, payload);
  });

  function closeLongIdleConnections(): void {
    const now = Date.now();
    for (const [socket, use] of sockets) {
      if (use.inFlight === 0 && now - use.idleSince >= IDLE_GRACE_MS) socket.destroy();
    }
  }

  let sweeper: NodeJS.Timeout | undefined;
  app.addHook('preClose', async function startDraining() {
    state.shuttingDown = true;
    state.draining = true;
    server.closeIdleConnections = closeLongIdleConnections;
    closeLongIdleConnections();
    sweeper = setInterval(closeLongIdleConnections, IDLE_SWEEP_INTERVAL_MS);
    sweeper.unref();
  });
  app.addHook('onClose', async function stopSweeping() {
    if (sweeper !== undefined) clearInterval(sweeper);
  });
}

export default fp(lifecycle, { name: 'quire-lifecycle', fastify: '5.x' });
