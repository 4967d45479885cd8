/**
 * Shutdown as the HTTP layer sees it.
 * - `lifecycle.shuttingDown` flips on the first signal: /readyz answers 503 from then on, while
 *   traffic is still served (during QUIRE_SHUTDOWN_DELAY_MS load balancers notice).
 * - Once the app is closing (listener closed, in-flight requests draining), a request that still
 *   arrives on an open keep-alive connection gets 503 SHUTTING_DOWN with `Connection: close`, as
 *   problem+json (Fastify's own return503OnClosing answer is not, so it is off in app.ts).
 * - Idle keep-alive sockets are closed every 100 ms while closing: otherwise close() waits out
 *   keepAliveTimeout on a socket that went idle after shutdown began (fastify#7044).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../errors.js';
import type { Lifecycle } from '../types.js';

const IDLE_SWEEP_INTERVAL_MS = 100;

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

  let sweeper: NodeJS.Timeout | undefined;
  app.addHook('preClose', async function startDraining() {
    state.shuttingDown = true;
    state.draining = true;
    const server = app.server;
    server.closeIdleConnections();
    sweeper = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_INTERVAL_MS);
    sweeper.unref();
  });
  app.addHook('onClose', async function stopSweeping() {
    if (sweeper !== undefined) clearInterval(sweeper);
  });
}

export default fp(lifecycle, { name: 'quire-lifecycle', fastify: '5.x' });
