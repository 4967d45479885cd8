/**
 * Tells every instance that an API key was revoked, so caches drop it at once: in process for
 * the embedded default, over Redis pub/sub in scale-out.
 */
export interface KeyRevocations {
  publish(keyId: string): Promise<void>;
  subscribe(listener: (keyId: string) => void): void;
  close(): Promise<void>;
}
