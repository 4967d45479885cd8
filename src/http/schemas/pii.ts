/**
 * Request and response schemas of the PII text tools (POST /v1/pii/detect and /v1/pii/redact):
 * one definition validates, types and documents them.
 */
import { Type } from 'typebox';
import { PII_TYPES } from '../../domain/pii/index.js';

export const PiiTypeSchema = Type.Enum(PII_TYPES, {
  description: 'A kind of personal data the detector knows.',
});

export const PiiTypes = Type.Array(PiiTypeSchema, {
  minItems: 1,
  maxItems: PII_TYPES.length,
  uniqueItems: true,
  description: 'Only these types (default: all).',
});

const Text = Type.String({
  description:
    'The text to scan: at most QUIRE_MAX_TEXT_BYTES and 1 MiB of UTF-8 (detection runs on the request thread); 413 above.',
});

export const DetectBody = Type.Object(
  { text: Text, types: Type.Optional(PiiTypes) },
  { additionalProperties: false },
);

export const RedactBody = Type.Object(
  {
    text: Text,
    types: Type.Optional(PiiTypes),
    style: Type.Optional(
      Type.Enum(['mask', 'label'], {
        default: 'mask',
        description:
          '`mask`: one `*` per UTF-16 code unit (the text keeps its length and offsets); `label`: `[EMAIL]`, `[PHONE]`, …',
      }),
    ),
  },
  { additionalProperties: false },
);

export const PiiEntityView = Type.Object({
  type: PiiTypeSchema,
  start: Type.Integer({
    minimum: 0,
    description: 'UTF-16 code unit offset of the first character',
  }),
  end: Type.Integer({ minimum: 0, description: 'UTF-16 code unit offset past the last character' }),
  text: Type.String(),
});

export const DetectResult = Type.Object({
  entities: Type.Array(PiiEntityView, { description: 'Sorted by start; never overlapping.' }),
});

export const RedactResult = Type.Object({
  text: Type.String(),
  count: Type.Integer({ minimum: 0, description: 'How many entities were replaced.' }),
});
