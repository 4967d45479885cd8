import type { Redis } from 'ioredis';
import type { KeyRevocations } from '../../ports/key-revocations.js';

const CHANNEL = 'quire:api-keys:revoked';

/**
 * Revocation notices over Redis pub/sub: every instance drops a revoked key from its cache as
 * soon as the message arrives (milliseconds). A notice missed while Redis was down is covered by
 * the cache TTL (QUIRE_AUTH_CACHE_TTL_MS).
 */
export function createRedisKeyRevocations(publisher: Redis, subscriber: Redis): KeyRevocations {
  const listeners = new Set<(keyId: string) => void>();
  subscriber.on('message', (channel: string, keyId: string) => {
    if (channel === CHANNEL) for (const listener of listeners) listener(keyId);
  });
  // Subscribe whenever the connection becomes ready (the first time, and after a reconnect).
  const subscribe = (): void => void subscriber.subscribe(CHANNEL).catch(() => undefined);
  subscriber.on('ready', subscribe);
  if (subscriber.status === 'ready') subscribe();
  return {
    async publish(keyId) {
      await publisher.publish(CHANNEL, keyId);
    },
    subscribe(listener) {
      listeners.add(listener);
    },
    async close() {
      listeners.clear();
      subscriber.disconnect();
    },
  };
}
