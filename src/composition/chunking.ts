/** How documents are cut into passages, from the settings (jobs, re-indexing, the warm-up). */
import type { Config } from '../config.js';
import type { Chunking } from '../domain/passages.js';

export function passageChunking(config: Config): Chunking {
  return {
    strategy: config.passageStrategy,
    maxTokens: config.passageMaxTokens,
    overlap: config.passageOverlap,
  };
}
