/**
 * The media types of POST /v1/convert/data: the format each request type carries and the type each
 * format answers with.
 */
import type { DataFormat } from '../../ports/data-converter.js';

/** Request media types (lowercase essence) and the format each one carries. */
export const DATA_INPUT_TYPES: Readonly<Record<string, DataFormat>> = {
  'application/json': 'json',
  'text/csv': 'csv',
  'application/yaml': 'yaml',
  'text/yaml': 'yaml',
  'application/x-yaml': 'yaml',
  'application/xml': 'xml',
  'text/xml': 'xml',
};

/** The Content-Type of each output format. */
export const DATA_OUTPUT_TYPES: Readonly<Record<DataFormat, string>> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  yaml: 'application/yaml; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
};
