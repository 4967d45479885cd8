/**
 * Where one deployment keeps its state in Redis: every key, BullMQ queue and pub/sub channel
 * under `<prefix>:`, so deployments (or staging and production) sharing one Redis never read or
 * write each other's. With the default prefix `quire` the rate-limit and idempotency keys and the
 * revocation channel are the names earlier versions used; BullMQ's keys move from `bull:` to
 * `quire:bull:` (the SQL rows are the queue's truth: the sweep re-offers what Redis lost).
 */
export interface RedisNamespace {
  /** Prepended to rate-limit counter keys. */
  rateLimitKeys: string;
  /** Prepended to idempotency record keys. */
  idempotencyKeys: string;
  /** The pub/sub channel of API-key revocation notices. */
  revocationChannel: string;
  /** BullMQ's `prefix` option (BullMQ adds `:<queue>:…`). */
  bullmqPrefix: string;
}

/** `prefix` as QUIRE_REDIS_PREFIX allows it (settings/parsers.ts: no `:`, no glob characters). */
export function redisNamespace(prefix: string): RedisNamespace {
  return {
    rateLimitKeys: `${prefix}:rl:`,
    idempotencyKeys: `${prefix}:idem:`,
    revocationChannel: `${prefix}:api-keys:revoked`,
    bullmqPrefix: `${prefix}:bull`,
  };
}
