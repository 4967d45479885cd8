/**
 * Idempotency keys: the first request with a key runs and its response is kept; a replay with the
 * same key and the same request gets that response again; the same key with a different request
 * is refused (409 IDEMPOTENCY_KEY_REUSED); a replay while the first is still running is refused
 * (409 CONFLICT). Keys are per tenant and expire.
 */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'in_progress'; requestHash: string }
  | { state: 'completed'; requestHash: string; response: StoredResponse };

export interface IdempotencyStore {
  /** Claims `key` for this request, or reports what is already recorded under it. Atomic. */
  claim(
    tenantId: string,
    key: string,
    requestHash: string,
    ttlMs: number,
  ): Promise<IdempotencyClaim>;
  /** Records the response of a claimed key (kept until the key expires). */
  complete(tenantId: string, key: string, response: StoredResponse): Promise<void>;
  /** Forgets a claimed key whose request failed, so a retry runs again. */
  release(tenantId: string, key: string): Promise<void>;
}
