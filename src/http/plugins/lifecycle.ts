/**
 * Shutdown as the HTTP layer sees it. `lifecycle.shuttingDown` flips on the first signal (readiness
 * answers 503 from then). While Fastify closes, idle keep-alive sockets are closed every 100 ms:
 * otherwise close() waits out keepAliveTimeout on a socket that went idle after shutdown began
 * (fastify#7044), while in-flight requests still finish normally.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Lifecycle } from '../types.js';

const IDLE_SWEEP_INTERVAL_MS = 100;

async function lifecycle(app: FastifyInstance): Promise<void> {
  const state: Lifecycle = { shuttingDown: false, startedAt: Date.now() };
  app.decorate('lifecycle', state);

  let sweeper: NodeJS.Timeout | undefined;
  app.addHook('preClose', async function startClosingIdleSockets() {
    state.shuttingDown = true;
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
