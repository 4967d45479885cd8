/**
 * PII text tools: find personal data in a text (`POST /v1/pii/detect`) or replace it
 * (`POST /v1/pii/redact`). Stateless: nothing is stored or logged. They need `documents:read`
 * (they read text and change nothing, like the content endpoints) and use the `write` rate class:
 * each request costs CPU on the request thread in proportion to its text, like a create, so the
 * cheap-read limit (600/min) would be too generous. The text is capped at
 * min(QUIRE_MAX_TEXT_BYTES, 1 MiB) of UTF-8 for the same reason (413 above).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { detectPii, PII_TYPES, redactPii } from '../../domain/pii/index.js';
import { AppError } from '../../errors.js';
import { AUTHENTICATED_ERRORS, problemResponse } from '../schemas/common.js';
import { DetectBody, DetectResult, RedactBody, RedactResult } from '../schemas/pii.js';
import type { Clock } from '../../ports/clock.js';

export interface PiiRoutesOptions {
  /** QUIRE_MAX_TEXT_BYTES; the routes take at most this and PII_MAX_TEXT_BYTES. */
  maxTextBytes: number;
  /** What a date of birth must lie before. */
  clock: Clock;
}

/** Detection runs on the request thread: a 1 MiB scan takes tens of milliseconds. */
export const PII_MAX_TEXT_BYTES = 1024 * 1024;

const TEXT_TOOL = { scope: 'documents:read', rateClass: 'write' } as const;

export async function piiRoutes(plain: FastifyInstance, options: PiiRoutesOptions): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const maxBytes = Math.min(options.maxTextBytes, PII_MAX_TEXT_BYTES);
  // JSON escapes can make the body up to six times the text; the text limit is checked exactly.
  const bodyLimit = Math.max(2 * maxBytes + 64 * 1024, 1024 * 1024);
  const tags = ['pii'];
  const errors = {
    413: problemResponse(`The text is over ${maxBytes} bytes (PAYLOAD_TOO_LARGE)`),
    ...AUTHENTICATED_ERRORS,
  };

  function checkSize(text: string): void {
    // A UTF-16 code unit is at most three UTF-8 bytes, so short strings need no count.
    if (text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes) {
      throw new AppError('PAYLOAD_TOO_LARGE', `text is over ${maxBytes} bytes of UTF-8`);
    }
  }

  app.post(
    '/v1/pii/detect',
    {
      config: TEXT_TOOL,
      bodyLimit,
      schema: {
        operationId: 'pii.detect',
        tags,
        summary: 'Find personal data in a text',
        description: `Types: ${PII_TYPES.join(', ')}. Offsets are UTF-16 code units.`,
        body: DetectBody,
        response: { 200: DetectResult, ...errors },
      },
    },
    async (request) => {
      const { text, types } = request.body;
      checkSize(text);
      return { entities: detectPii(text, types ?? PII_TYPES, options.clock.now()) };
    },
  );

  app.post(
    '/v1/pii/redact',
    {
      config: TEXT_TOOL,
      bodyLimit,
      schema: {
        operationId: 'pii.redact',
        tags,
        summary: 'Replace personal data in a text by asterisks or by type labels',
        body: RedactBody,
        response: { 200: RedactResult, ...errors },
      },
    },
    async (request) => {
      const { text, types, style } = request.body;
      checkSize(text);
      return redactPii(text, types ?? PII_TYPES, style ?? 'mask', options.clock.now());
    },
  );
}
