/** How many attempts a webhook delivery gets: enough to cover the retry window, never endless. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nominalRetryDelay } from '../../../src/domain/retry-schedule.js';
import {
  WEBHOOK_MAX_RETRY_DELAY_MS,
  WEBHOOK_RETRY_JITTER,
  webhookMaxAttempts,
} from '../../../src/domain/webhooks/retry-window.js';

describe('webhook retry budget', () => {
  it('36 attempts cover 24 h from a 10 s base doubling to 1 h, even at the short end of the jitter', () => {
    const attempts = webhookMaxAttempts(10_000, 86_400_000);
    assert.equal(attempts, 36);
    const delays = Array.from({ length: attempts - 1 }, (_, i) =>
      nominalRetryDelay(10_000, i + 1, WEBHOOK_MAX_RETRY_DELAY_MS),
    );
    const shortest = delays.reduce((sum, d) => sum + d * (1 - WEBHOOK_RETRY_JITTER), 0);
    const longest = delays.reduce((sum, d) => sum + d, 0);
    assert.ok(shortest >= 86_400_000, `${shortest / 3_600_000} h`);
    assert.ok(shortest - delays[delays.length - 1]! * 0.9 < 86_400_000, 'one fewer would not');
    assert.ok(longest < 28 * 3_600_000, `at most ${longest / 3_600_000} h`);
  });

  it('a zero window is one attempt; a tiny base cannot make it endless', () => {
    assert.equal(webhookMaxAttempts(10_000, 0), 1);
    assert.ok(webhookMaxAttempts(10, 7 * 86_400_000) <= 1000);
  });
});
