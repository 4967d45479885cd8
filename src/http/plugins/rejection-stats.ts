/** Counts every refused request by its error code, for GET /v1/admin/stats. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RejectionStats } from '../../domain/rejection-stats.js';

async function rejectionStats(
  app: FastifyInstance,
  { stats }: { stats: RejectionStats },
): Promise<void> {
  app.addHook('onResponse', function countRejection(_request, reply, done) {
    if (reply.problemCode !== null) stats.record(reply.problemCode);
    done();
  });
}

export default fp(rejectionStats, { name: 'quire-rejection-stats', fastify: '5.x' });
