import { LexicalScoringPool } from '../../src/adapters/pools/lexical-scoring-pool.js';
import { THREAD_ENTRIES } from '../../src/threads/entry-files.js';
import { lexicalScorerContract } from './lexical-scorer.contract.js';

lexicalScorerContract({
  name: 'worker-thread pool',
  async create() {
    return new LexicalScoringPool({
      workerFile: THREAD_ENTRIES.lexicalScoring(),
      threads: 2,
      timeoutMs: 10_000,
      heapMb: 128,
      maxQueue: 64,
    });
  },
});
