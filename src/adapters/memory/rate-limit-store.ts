import type { RateLimitStore, WindowCount } from '../../ports/rate-limit-store.js';

interface Window {
  count: number;
  endsAt: number;
}

/**
 * Fixed windows in this process's memory (the embedded default). Bounded: past `maxKeys` live
 * windows, expired ones are swept, and if that is not enough the oldest are dropped.
 */
export function createMemoryRateLimitStore(
  maxKeys = 100_000,
  now: () => number = Date.now,
): RateLimitStore {
  const windows = new Map<string, Window>();

  function sweep(at: number): void {
    for (const [key, window] of windows) if (window.endsAt <= at) windows.delete(key);
    for (const key of windows.keys()) {
      if (windows.size < maxKeys) break;
      windows.delete(key);
    }
  }

  return {
    async hit(key, windowMs): Promise<WindowCount> {
      const at = now();
      let window = windows.get(key);
      if (window === undefined || window.endsAt <= at) {
        if (windows.size >= maxKeys) sweep(at);
        window = { count: 0, endsAt: at + windowMs };
        windows.set(key, window);
      }
      window.count += 1;
      return { count: window.count, resetMs: window.endsAt - at };
    },
    async peek(key) {
      const at = now();
      const window = windows.get(key);
      return window === undefined || window.endsAt <= at
        ? null
        : { count: window.count, resetMs: window.endsAt - at };
    },
    async close() {
      windows.clear();
    },
  };
}
