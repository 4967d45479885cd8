import { DataConversionPool } from '../../src/adapters/pools/data-conversion-pool.js';
import { THREAD_ENTRIES } from '../../src/threads/entry-files.js';
import { dataConverterContract } from './data-converter.contract.js';

dataConverterContract({
  name: 'worker-thread pool',
  async create() {
    return new DataConversionPool({
      workerFile: THREAD_ENTRIES.dataConvert(),
      threads: 1,
      timeoutMs: 10_000,
      heapMb: 256,
      maxQueue: 16,
    });
  },
});
