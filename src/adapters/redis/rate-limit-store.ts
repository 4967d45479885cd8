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

export function createRedisRateLimitStore(redis: Redis, prefix = 'quire:rl:'): RateLimitStore {
  return {
    async hit(key, windowMs) {
      const [count, ttl] = (await redis.eval(HIT_SCRIPT, 1, prefix + key, String(windowMs))) as [
        number,
        number,
      ];
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
