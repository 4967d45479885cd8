/**
 * `QUIRE_API_PROCESSES` > 1: the API as a node:cluster of processes sharing one listening socket,
 * so the HTTP path uses every core the way uvicorn `--workers` does. The primary serves nothing.
 * It starts one process first (that one migrates and creates the admin key alone), the others once
 * it listens; starts another when one dies (waiting longer after each death in a row); on
 * SIGTERM/SIGINT tells each to drain and exits when all have (0 if all drained cleanly); and
 * answers the processes' requests for the cluster's metrics, aggregated by prom-client, so a
 * scrape answered by any process covers them all.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';

/** Set in each API process's environment: its number, 1…N (`api_process` in its logs). */
export const API_PROCESS_ENV = 'QUIRE_CLUSTER_API_PROCESS';

/** What an API process tells the primary, and what the primary answers. */
export type ClusterMessage =
  | { type: 'quire:listening'; url: string; adminKey?: string }
  | { type: 'quire:metrics-request'; id: number }
  | { type: 'quire:metrics-reply'; id: number; text?: string; error?: string };

export function isClusterMessage(message: unknown): message is ClusterMessage {
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === 'string' && type.startsWith('quire:');
}

export interface ApiClusterOptions {
  processes: number;
  logger: Logger;
  /** How long the processes may take to drain before the primary kills them (plus a margin). */
  shutdownTimeoutMs: number;
  /** Called once, when the first process listens: the address and any admin key it created. */
  onListening(started: { url: string; adminKey?: string }): void;
}

/** Deaths closer together than this count as "in a row" for the restart delay. */
const STABLE_AFTER_MS = 60_000;
const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
/** Beyond the processes' own shutdown deadline, before the primary stops waiting for them. */
const KILL_MARGIN_MS = 5_000;

export function runApiCluster(options: ApiClusterOptions): void {
  const { processes, logger } = options;
  // Installs the primary's side of prom-client's collection (it messages every process).
  const aggregator = new AggregatorRegistry();
  const numbers = new Map<Worker, number>();
  const startedAt = new Map<Worker, number>();
  let listening = false;
  let stopping = false;
  let failedExits = 0;
  let deathsInARow = 0;

  const start = (number: number): void => {
    const worker = cluster.fork({ [API_PROCESS_ENV]: String(number) });
    numbers.set(worker, number);
    startedAt.set(worker, Date.now());
  };

  cluster.on('message', (worker, message: unknown) => {
    if (!isClusterMessage(message)) return;
    if (message.type === 'quire:listening') {
      logger.info(
        { pid: worker.process.pid, api_process: numbers.get(worker) },
        'API process listening',
      );
      if (listening) return;
      listening = true;
      options.onListening(
        message.adminKey === undefined
          ? { url: message.url }
          : { url: message.url, adminKey: message.adminKey },
      );
      for (let number = 2; number <= processes; number++) start(number);
    } else if (message.type === 'quire:metrics-request') {
      const reply = (fields: { text?: string; error?: string }): void => {
        if (worker.isConnected())
          worker.send({ type: 'quire:metrics-reply', id: message.id, ...fields });
      };
      aggregator.clusterMetrics().then(
        (text) => reply({ text }),
        (error: unknown) => reply({ error: (error as Error).message }),
      );
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const number = numbers.get(worker) ?? 0;
    const lived = Date.now() - (startedAt.get(worker) ?? Date.now());
    numbers.delete(worker);
    startedAt.delete(worker);
    if (stopping) {
      if (code !== 0) failedExits++;
      if (numbers.size === 0) process.exit(failedExits === 0 ? 0 : 1);
      return;
    }
    if (!listening) {
      logger.fatal({ code, signal }, 'the first API process exited before it listened');
      stopAll('the first API process failed', 1);
      return;
    }
    deathsInARow = lived > STABLE_AFTER_MS ? 1 : deathsInARow + 1;
    const delay = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (deathsInARow - 1));
    logger.error(
      { api_process: number, pid: worker.process.pid, code, signal, restart_in_ms: delay },
      'an API process exited: starting another',
    );
    setTimeout(() => {
      if (!stopping) start(number);
    }, delay);
  });

  function stopAll(reason: string, exitCode: 0 | 1): void {
    stopping = true;
    logger.info({ reason, processes: numbers.size }, 'stopping the API processes');
    if (exitCode === 1) failedExits++;
    if (numbers.size === 0) process.exit(failedExits === 0 ? 0 : 1);
    for (const worker of numbers.keys()) worker.process.kill('SIGTERM');
    setTimeout(() => {
      logger.error('API processes did not drain in time: killing them');
      for (const worker of numbers.keys()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, options.shutdownTimeoutMs + KILL_MARGIN_MS).unref();
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: killing the API processes');
        for (const worker of numbers.keys()) worker.process.kill('SIGKILL');
        process.exit(1);
      }
      stopAll(signal, 0);
    });
  }

  start(1);
}
