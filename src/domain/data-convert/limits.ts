/**
 * The bounds of one conversion: input bytes per format, output length, and the depth, value and
 * alias caps a parsed document must stay within.
 */
import type { DataFormat } from '../../ports/data-converter.js';

export const MiB = 1024 * 1024;

/**
 * Largest input per format, in bytes. YAML parses at roughly 2 s/MiB and XML at 0.5 s/MiB on a
 * small server (JSON and CSV at a few ms/MiB), so their caps are lower to keep one conversion
 * within seconds of one worker thread.
 */
export const DATA_MAX_INPUT_BYTES: Readonly<Record<DataFormat, number>> = {
  json: 10 * MiB,
  csv: 10 * MiB,
  xml: 10 * MiB,
  yaml: 2 * MiB,
};

/** Longest output, in UTF-16 code units (about bytes for data): aliases and markup can grow it. */
export const DATA_MAX_OUTPUT_CHARS = 64 * MiB;

export interface DataLimits {
  /** Deepest nesting of arrays/objects (elements for XML). */
  maxDepth: number;
  /** Most values (containers and scalars, CSV cells, XML markup) in one document. */
  maxNodes: number;
  /** Most aliases a YAML document may resolve (alias bombs). */
  maxAliases: number;
}

export const DATA_LIMITS: DataLimits = { maxDepth: 100, maxNodes: 1_000_000, maxAliases: 100 };
