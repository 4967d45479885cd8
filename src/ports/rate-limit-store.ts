/** Counts hits per key in fixed windows; shared between instances when backed by Redis. */
export interface WindowCount {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export interface RateLimitStore {
  /** Counts one hit for `key` in a window of `windowMs`; rejects when the store fails. */
  hit(key: string, windowMs: number): Promise<WindowCount>;
  /** The current window's count without adding a hit; null when no window is open. */
  peek(key: string): Promise<WindowCount | null>;
  close(): Promise<void>;
}
