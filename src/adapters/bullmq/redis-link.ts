/**
 * The queue's one Redis connection and the rules for calling it: every call bounded in time
 * (`call`, `within`), none queued while Redis is unreachable (`connected`), and the eviction
 * policy checked before first use (`ready`).
 */
import { once } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';

/** Where failures that must not fail the caller go. */
export type ReportError = (error: unknown, context: string) => void;

/** Redis would evict keys under memory pressure: BullMQ would silently lose jobs and locks. */
export class RedisEvictionPolicyError extends Error {
  constructor(policy: string) {
    super(
      `Redis runs with maxmemory-policy ${policy}; the job queue needs "noeviction" ` +
        '(set it in redis.conf or with CONFIG SET maxmemory-policy noeviction)',
    );
    this.name = 'RedisEvictionPolicyError';
  }
}

export class RedisTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`Redis did not answer ${what} within ${ms} ms`);
    this.name = 'RedisTimeout';
  }
}

export class RedisUnavailable extends Error {
  constructor() {
    super('Redis is not connected');
    this.name = 'RedisUnavailable';
  }
}

/** Resolves or rejects with `promise`, or rejects after `ms` (the late outcome is dropped). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisTimeout(what, ms)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The `maxmemory_policy` an `INFO memory` answer names; undefined when it names none. */
export function evictionPolicy(info: string): string | undefined {
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
}

/** BullMQ's answer when a job is no longer this token's (lock gone or taken, job gone, moved). */
export function lostLock(error: unknown): boolean {
  return typeof (error as { code?: unknown } | null)?.code === 'number';
}

export class RedisLink {
  readonly redis: Redis;
  /** An error was seen since the last `ready`: calls fail at once instead of queueing. */
  private down = false;
  /** Closing has begun: no new call goes out. */
  private stopped = false;
  private policyChecked: Promise<void> | undefined;

  constructor(
    connection: RedisOptions & { url?: string },
    private readonly timeoutMs: number,
    private readonly report: ReportError,
  ) {
    const { url, ...connectionOptions } = connection;
    // BullMQ's workers need maxRetriesPerRequest null.
    const redisOptions: RedisOptions = { ...connectionOptions, maxRetriesPerRequest: null };
    this.redis = url === undefined ? new Redis(redisOptions) : new Redis(url, redisOptions);
    this.redis.on('error', (error: Error) => {
      if (!this.down) report(error, 'redis connection failed; retrying in the background');
      this.down = true;
    });
    this.redis.on('ready', () => {
      this.down = false;
    });
  }

  /** `promise` bounded by the operation timeout. */
  call<T>(promise: Promise<T>, what: string): Promise<T> {
    return within(promise, this.timeoutMs, what);
  }

  /**
   * Waits for the first connection; afterwards fails at once while Redis is unreachable, rather than
   * queueing commands for later.
   */
  async connected(): Promise<void> {
    if (this.stopped) throw new RedisUnavailable();
    if (this.redis.status === 'ready') return;
    if (this.down || this.redis.status === 'end') throw new RedisUnavailable();
    // Rejects on the first connection error (then `down` is set), or after the timeout.
    await once(this.redis, 'ready', { signal: AbortSignal.timeout(this.timeoutMs) });
  }

  /** Connected, and Redis never evicts keys (checked once; a failed check is tried again). */
  async ready(): Promise<void> {
    await this.connected();
    this.policyChecked ??= this.call(this.redis.info('memory'), 'INFO memory')
      .then((info) => {
        const policy = evictionPolicy(info);
        if (policy !== undefined && policy !== 'noeviction') {
          const error = new RedisEvictionPolicyError(policy);
          this.report(error, 'redis configuration');
          throw error;
        }
      })
      .catch((error: unknown) => {
        if (!(error instanceof RedisEvictionPolicyError)) this.policyChecked = undefined;
        throw error;
      });
    return this.policyChecked;
  }

  /** From now on `connected` fails: the queue is closing. */
  stop(): void {
    this.stopped = true;
  }

  /** Quits politely when connected (bounded by `settle`), then drops the connection. */
  async quit(settle: (promise: Promise<unknown>, what: string) => Promise<unknown>): Promise<void> {
    if (this.redis.status === 'ready') {
      await settle(this.redis.quit(), 'closing the Redis connection');
    }
    this.redis.disconnect();
  }
}
