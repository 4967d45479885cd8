/** The worker pool behind `/v1/convert/data`: its threads, timeout, heap cap and queue. */
import { availableParallelism } from 'node:os';
import { integer } from './parsers.js';
import type { SettingsTable } from './setting.js';

export interface ConvertDataConfig {
  convertDataThreads: number;
  convertDataTimeoutMs: number;
  convertDataHeapMb: number;
  convertDataMaxQueue: number;
}

export const CONVERT_DATA_SETTINGS: SettingsTable<ConvertDataConfig> = {
  convertDataThreads: {
    key: 'convertDataThreads',
    env: 'QUIRE_CONVERT_DATA_THREADS',
    default: () => (availableParallelism() > 2 ? '2' : '1'),
    parse: integer(1, 256),
    description:
      'Worker threads converting data (`/v1/convert/data`), started on first use (default: 2, or 1 with two CPUs or fewer).',
  },
  convertDataTimeoutMs: {
    key: 'convertDataTimeoutMs',
    env: 'QUIRE_CONVERT_DATA_TIMEOUT_MS',
    default: '20000',
    parse: integer(100, 600000),
    description:
      'Longest data conversion; past it its thread is stopped and the request answers 504 TIMEOUT.',
  },
  convertDataHeapMb: {
    key: 'convertDataHeapMb',
    env: 'QUIRE_CONVERT_DATA_HEAP_MB',
    default: '512',
    parse: integer(16, 65536),
    description:
      'Heap cap of one data conversion thread; a document that needs more answers 422 UNPROCESSABLE_DOCUMENT.',
  },
  convertDataMaxQueue: {
    key: 'convertDataMaxQueue',
    env: 'QUIRE_CONVERT_DATA_MAX_QUEUE',
    default: '16',
    parse: integer(1, 1_000_000),
    description:
      'Data conversions waiting for a thread; past it requests answer 503 OVERLOADED at once.',
  },
};
