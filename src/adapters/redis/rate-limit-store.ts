import type { Redis } from 'ioredis';
import type { RateLimitStore } from '../../ports/rate-limit-store.js';

// One round trip, atomic: count the hit, start the window on the first hit, report its rest.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

/** Counters live under `prefix` (the deployment's namespace, see namespace.ts). */
export function createRedisRateLimitStore(redis: Redis, prefix: string): RateLimitStore {
  // Sent once per connection; each hit is then an EVALSHA of a few bytes (ioredis falls back to
  // EVAL if the script cache was flushed).
  const quireHit = 'quireRateLimitHit';
  if (!(quireHit in redis)) redis.defineCommand(quireHit, { numberOfKeys: 1, lua: HIT_SCRIPT });
  const run = (
    redis as unknown as Record<string, (key: string, windowMs: string) => Promise<[number, number]>>
  )[quireHit] as (key: string, windowMs: string) => Promise<[number, number]>;
  return {
    async hit(key, windowMs) {
      const [count, ttl] = await run.call(redis, prefix + key, String(windowMs));
      return { count, resetMs: ttl };
    },
    async peek(key) {
      const [[, count], [, ttl]] = (await redis
        .multi()
        .get(prefix + key)
        .pttl(prefix + key)
        .exec()) as [[Error | null, string | null], [Error | null, number]];
      return count === null || ttl < 0 ? null : { count: Number(count), resetMs: ttl };
    },
    async close() {
      redis.disconnect();
    },
  };
}
