import type { Redis } from 'ioredis';
import type { KeyRevocations } from '../../ports/key-revocations.js';

/**
 * Revocation notices over Redis pub/sub: every instance drops a revoked key from its cache as
 * soon as the message arrives (milliseconds). A notice missed while Redis was down is covered by
 * the cache TTL (QUIRE_AUTH_CACHE_TTL_MS). `channel` is the deployment's own (namespace.ts), so
 * another deployment on the same Redis neither hears nor sends its notices.
 */
export function createRedisKeyRevocations(
  publisher: Redis,
  subscriber: Redis,
  channel: string,
): KeyRevocations {
  const listeners = new Set<(keyId: string) => void>();
  subscriber.on('message', (channel: string, keyId: string) => {
    if (channel === channel) for (const listener of listeners) listener(keyId);
  });
  // Subscribe whenever the connection becomes ready (the first time, and after a reconnect).
  const subscribe = (): void => void subscriber.subscribe(channel).catch(() => undefined);
  subscriber.on('ready', subscribe);
  if (subscriber.status === 'ready') subscribe();
  return {
    async publish(keyId) {
      await publisher.publish(channel, keyId);
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
