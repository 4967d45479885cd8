/**
 * Data conversion between CSV, JSON, YAML and XML, with no Fastify imports. Every format is
 * parsed into one tree model (CSV: an array of records keyed by the header row; JSON, YAML and
 * XML: the same plain JS value) and written from it; each format's parser and writer is its own
 * module here, and this one dispatches between them.
 *
 * Hostile input is bounded before the expensive step: a depth cap (100) and a value-count cap
 * (1,000,000) are checked without recursion before anything recursive runs, XML with a DOCTYPE is
 * refused before parsing (so no entity is ever declared, expanded or fetched: billion laughs and
 * XXE fail at once), YAML aliases are capped (alias bombs) and unknown tags refused. Bad syntax is
 * a 422 UNPROCESSABLE_DOCUMENT with the line and column when the parser gives them.
 *
 * Parsing a large YAML or XML document costs seconds of CPU, so conversions run on a worker
 * thread (src/threads/data-convert.ts, behind the DataConverter port) and never on the event loop.
 */
import type { DataFormat } from '../../ports/data-converter.js';
import { parseCsv, writeCsv } from './csv.js';
import { parseJson, writeJson } from './json.js';
import { DATA_LIMITS, DATA_MAX_OUTPUT_CHARS, MiB, type DataLimits } from './limits.js';
import { unprocessable } from './problems.js';
import { checkTree } from './tree.js';
import { parseXml, writeXml } from './xml.js';
import { parseYaml, writeYaml } from './yaml.js';

export { DATA_INPUT_TYPES, DATA_OUTPUT_TYPES } from './media-types.js';
export { DATA_MAX_INPUT_BYTES } from './limits.js';

export interface ConvertOptions {
  /**
   * CSV cells and XML text carry no types: when true, `true`/`false` and numbers that read back
   * exactly (`42`, `-1.5`, not `007`, `1.50` or `1e5`) become booleans and numbers.
   */
  inferTypes: boolean;
  limits?: DataLimits;
}

export function parseData(text: string, format: DataFormat, options: ConvertOptions): unknown {
  const limits = options.limits ?? DATA_LIMITS;
  let value: unknown;
  switch (format) {
    case 'json':
      value = parseJson(text, limits);
      break;
    case 'csv':
      value = parseCsv(text, limits, options.inferTypes);
      break;
    case 'yaml':
      value = parseYaml(text, limits);
      break;
    case 'xml':
      value = parseXml(text, limits, options.inferTypes);
      break;
  }
  checkTree(value, limits);
  return value;
}

/** Writes a tree that passed checkTree (bounded depth: the recursive writers are safe). */
export function serializeData(value: unknown, format: DataFormat): string {
  switch (format) {
    case 'json':
      return writeJson(value);
    case 'csv':
      return writeCsv(value);
    case 'yaml':
      return writeYaml(value);
    case 'xml':
      return writeXml(value);
  }
}

export function convertData(
  text: string,
  from: DataFormat,
  to: DataFormat,
  options: ConvertOptions,
): string {
  const output = serializeData(parseData(text, from, options), to);
  if (output.length > DATA_MAX_OUTPUT_CHARS) {
    throw unprocessable(`The converted document would be over ${DATA_MAX_OUTPUT_CHARS / MiB} MiB`);
  }
  return output;
}
