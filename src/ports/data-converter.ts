/**
 * Data conversion between CSV, JSON, YAML and XML off the request thread: parsing a large YAML
 * or XML document costs seconds of CPU. The conversion itself is the domain's
 * (src/domain/data-convert/); this port runs it somewhere else (a worker pool) within limits.
 */
import type { ErrorCode } from './failures.js';

export const DATA_FORMATS = ['json', 'csv', 'yaml', 'xml'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

export interface ConversionTask {
  text: string;
  from: DataFormat;
  to: DataFormat;
  inferTypes: boolean;
}

/**
 * What a conversion thread answers. Errors travel as data (an error's class does not survive the
 * trip between threads): `code` is an error-catalogue code (src/errors.ts), `detail` its text.
 */
export type ConversionOutcome =
  { ok: true; output: string } | { ok: false; code: ErrorCode; detail: string };

export interface DataConverter {
  /**
   * The converted document. Rejects with the conversion's own error (bad input: 422), or when the
   * converter is busy, out of memory or too slow (the adapter says how: 503, 422, 504); an abort
   * through `signal` rejects with its reason.
   */
  convert(task: ConversionTask, signal?: AbortSignal): Promise<string>;
}
