/**
 * Process figures for /health: memory and the event-loop delay p99 over a rolling window
 * (the histogram is reset each minute so an old stall does not hide a healthy present).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const WINDOW_MS = 60_000;

export interface ProcessStats {
  rss_mb: number;
  heap_used_mb: number;
  event_loop_delay_p99_ms: number;
}

const toMb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function processStats(app: FastifyInstance): Promise<void> {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let previousP99 = 0;
  const rotate = setInterval(() => {
    previousP99 = histogram.percentile(99);
    histogram.reset();
  }, WINDOW_MS);
  rotate.unref();

  app.decorate('processStats', function readProcessStats(): ProcessStats {
    const memory = process.memoryUsage();
    const current = histogram.count > 0 ? histogram.percentile(99) : 0;
    return {
      rss_mb: toMb(memory.rss),
      heap_used_mb: toMb(memory.heapUsed),
      event_loop_delay_p99_ms: Math.round(Math.max(current, previousP99) / 1e4) / 100,
    };
  });

  app.addHook('onClose', async function stopMonitoring() {
    clearInterval(rotate);
    histogram.disable();
  });
}

export default fp(processStats, { name: 'quire-process-stats', fastify: '5.x' });
