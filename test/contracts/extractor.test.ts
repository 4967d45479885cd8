import { ExtractionPool } from '../../src/extraction/pool.js';
import { ROOT } from '../helpers/process.js';
import { extractorContract } from './extractor.contract.js';

extractorContract({
  name: 'worker-thread pool',
  async create(timeoutMs) {
    return new ExtractionPool({
      threads: 1,
      timeoutMs,
      heapMb: 256,
      recycleAfter: 50,
      workerFile: `${ROOT}/test/fixtures/fault-worker.ts`,
    });
  },
});
