import type { Redis } from 'ioredis';
import type {
  IdempotencyClaim,
  IdempotencyStore,
  StoredResponse,
} from '../../ports/idempotency-store.js';

// Each record is one hash — s: state, h: request hash, r: response JSON — that Redis expires.
// Every operation is one script, so it is atomic and one round trip.

// Claims the key if no record lives under it (an expired one is already gone), else reports it.
const CLAIM_SCRIPT = `
local current = redis.call('HMGET', KEYS[1], 's', 'h', 'r')
if not current[1] then
  redis.call('HSET', KEYS[1], 's', 'in_progress', 'h', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'claimed'}
end
if current[1] == 'completed' then return {'completed', current[2], current[3]} end
return {'in_progress', current[2]}
`;

// Stores the response of a running claim; HSET leaves the key's TTL as the claim set it.
const COMPLETE_SCRIPT = `
if redis.call('HGET', KEYS[1], 's') ~= 'in_progress' then return 0 end
redis.call('HSET', KEYS[1], 's', 'completed', 'r', ARGV[1])
return 1
`;

// Forgets a running claim, never a completed record.
const RELEASE_SCRIPT = `
if redis.call('HGET', KEYS[1], 's') ~= 'in_progress' then return 0 end
return redis.call('DEL', KEYS[1])
`;

export interface RedisIdempotencyStoreOptions {
  /** Prepended to every key (the deployment's namespace, see namespace.ts). */
  prefix: string;
}

export function createRedisIdempotencyStore(
  redis: Redis,
  { prefix }: RedisIdempotencyStoreOptions,
): IdempotencyStore {
  // The tenant id is percent-encoded so it holds no ':' and the first ':' after it ends it:
  // tenant `a:b` with key `c` and tenant `a` with key `b:c` stay apart.
  const redisKey = (tenantId: string, key: string): string =>
    `${prefix}${encodeURIComponent(tenantId)}:${key}`;

  return {
    async claim(tenantId, key, requestHash, ttlMs): Promise<IdempotencyClaim> {
      const reply = (await redis.eval(
        CLAIM_SCRIPT,
        1,
        redisKey(tenantId, key),
        requestHash,
        String(Math.max(1, Math.ceil(ttlMs))),
      )) as [string, (string | null)?, (string | null)?];
      // Lua's nil (a field missing) comes back as null.
      const [state, hash, response] = reply;
      if (state === 'claimed') return { state };
      if (typeof hash !== 'string') throw new Error('an idempotency record has no request hash');
      if (state === 'in_progress') return { state, requestHash: hash };
      if (typeof response !== 'string')
        throw new Error('a completed idempotency record has no response');
      return {
        state: 'completed',
        requestHash: hash,
        response: JSON.parse(response) as StoredResponse,
      };
    },

    async complete(tenantId, key, response) {
      await redis.eval(COMPLETE_SCRIPT, 1, redisKey(tenantId, key), JSON.stringify(response));
    },

    async release(tenantId, key) {
      await redis.eval(RELEASE_SCRIPT, 1, redisKey(tenantId, key));
    },
  };
}
