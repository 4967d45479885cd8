/**
 * Schemas of POST /v1/convert/data: the query (`to`, `infer_types`), the raw bodies it takes and
 * the documents it answers, as OpenAPI shows them (the bodies are text, parsed by the domain).
 */
import { Type } from 'typebox';
import {
  DATA_INPUT_TYPES,
  DATA_MAX_INPUT_BYTES,
  DATA_OUTPUT_TYPES,
} from '../../domain/data-convert/index.js';
import { DATA_FORMATS, type DataFormat } from '../../ports/data-converter.js';

export const ConvertDataQuery = Type.Object(
  {
    to: Type.Enum(DATA_FORMATS, { description: 'The format to answer with.' }),
    infer_types: Type.Boolean({
      default: true,
      description:
        'CSV cells and XML text carry no types: turn `true`/`false` and numbers that read back exactly (`42`, `-1.5`; not `007` or `1.50`) into booleans and numbers.',
    }),
  },
  { additionalProperties: false },
);

const MiB = 1024 * 1024;
const text = (format: DataFormat) =>
  Type.String({
    description: `A ${format.toUpperCase()} document, UTF-8, at most ${DATA_MAX_INPUT_BYTES[format] / MiB} MiB.`,
  });

/** One entry per accepted request media type, for the OpenAPI document. */
export const ConvertDataBody = {
  content: Object.fromEntries(
    Object.entries(DATA_INPUT_TYPES).map(([mediaType, format]) => [
      mediaType,
      { schema: text(format) },
    ]),
  ),
};

/** The 200 answer, one media type per output format. */
export const ConvertedData = {
  description: 'The converted document',
  content: Object.fromEntries(
    DATA_FORMATS.map((format) => [
      DATA_OUTPUT_TYPES[format].split(';', 1)[0] ?? format,
      { schema: { type: 'string' } },
    ]),
  ),
};
