/** `Server-Timing: total;dur=<ms>` on every response, errors included. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function serverTiming(app: FastifyInstance): Promise<void> {
  app.addHook('onSend', function addServerTiming(_request, reply, payload, done) {
    reply.header('server-timing', `total;dur=${reply.elapsedTime.toFixed(1)}`);
    done(null, payload);
  });
}

export default fp(serverTiming, { name: 'quire-server-timing', fastify: '5.x' });
