import { EventEmitter } from 'node:events';
import type { KeyRevocations } from '../../ports/key-revocations.js';

/** In-process revocation notices: enough when one process serves all traffic. */
export function createMemoryKeyRevocations(): KeyRevocations {
  const events = new EventEmitter();
  return {
    async publish(keyId) {
      events.emit('revoked', keyId);
    },
    subscribe(listener) {
      events.on('revoked', listener);
    },
    async close() {
      events.removeAllListeners();
    },
  };
}
