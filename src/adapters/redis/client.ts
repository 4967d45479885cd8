/**
 * Redis connections for request-path work (rate limits, revocation notices): commands fail fast
 * while Redis is unreachable (no offline queue, a command timeout) so a Redis outage degrades a
 * request by milliseconds, not by a hang. ioredis reconnects in the background.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisOptions {
  url: string;
  commandTimeoutMs: number;
  logger?: Logger;
  /** A name for logs (`rate-limits`, `revocations-subscriber`). */
  role: string;
}

export function createRedis({ url, commandTimeoutMs, logger, role }: RedisOptions): Redis {
  const client = new Redis(url, {
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(commandTimeoutMs, 1000),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    lazyConnect: false,
  });
  let down = false;
  client.on('error', (error: Error) => {
    if (!down)
      logger?.warn({ err: error, role }, 'redis: connection failed; retrying in the background');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger?.info({ role }, 'redis: connected again');
    down = false;
  });
  return client;
}

/**
 * True once `client` is connected, false if it is not within `timeoutMs`: without an offline
 * queue a command sent before the connection is up fails at once, so a new instance waits for it
 * briefly before serving (and starts anyway when Redis is down).
 */
export function whenRedisReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = (): void => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on('ready', onReady);
  });
}
