/**
 * What the lexical scoring pool makes of the factory's failures, driven by the factory's fault
 * fixture: 503 OVERLOADED with its two details.
 */
import { describe, it } from 'node:test';
import { LexicalScoringPool } from '../../../src/adapters/pools/lexical-scoring-pool.js';
import type { LexicalTask } from '../../../src/ports/lexical-scorer.js';
import type { PoolTask } from '../../fixtures/pool-worker.js';
import { answers, as, closing, workerFile } from './setup.js';

describe('lexical scoring pool: failures as 503 OVERLOADED', { timeout: 60_000 }, () => {
  const pool = (timeoutMs: number) => {
    const created = new LexicalScoringPool({
      workerFile,
      threads: 1,
      timeoutMs,
      heapMb: 32,
      maxQueue: 1,
    });
    closing.push(created);
    return created;
  };
  const score = (p: LexicalScoringPool, task: PoolTask) => p.score(as<LexicalTask>(task));

  it('past its deadline, and when it fails', async () => {
    await answers(
      score(pool(2000), { op: 'hang' }),
      'OVERLOADED',
      /^Scoring took longer than 2000 ms$/,
      1,
    );
    await answers(
      score(pool(2000), { op: 'throw' }),
      'OVERLOADED',
      /^The scoring workers are busy or failed; try again$/,
      1,
    );
  });
});
