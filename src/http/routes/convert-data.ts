/**
 * POST /v1/convert/data?to=json|csv|yaml|xml — converts a CSV, JSON, YAML or XML body (its
 * Content-Type says which) into another of them. Stateless: nothing is stored.
 *
 * The raw body must reach the route as text, so this plugin's encapsulated scope replaces the
 * app's body parsers with one per input format, each with that format's size cap (413 past it,
 * before the rest is read); any other Content-Type is a 415, and nothing outside this plugin
 * changes. Parsing YAML or XML costs up to seconds of CPU for large inputs, so each conversion
 * runs through the DataConverter port (a worker pool with a heap cap and a deadline, built in
 * app.ts), and the event loop stays free. Scope `documents:read` (it reads and stores nothing); rate class `upload`: the bodies
 * are as large as uploads and the work per request is the heaviest of any stateless route.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  DATA_INPUT_TYPES,
  DATA_MAX_INPUT_BYTES,
  DATA_OUTPUT_TYPES,
} from '../../domain/data-convert/index.js';
import { DATA_FORMATS, type DataFormat } from '../../ports/data-converter.js';
import { AppError } from '../../errors.js';
import type { DataConverter } from '../../ports/data-converter.js';
import { AUTHENTICATED_ERRORS, problemResponse } from '../schemas/common.js';
import { ConvertDataBody, ConvertDataQuery, ConvertedData } from '../schemas/convert.js';

export interface ConvertDataRoutesOptions {
  /**
   * Runs conversions off the event loop (built in app.ts from the QUIRE_CONVERT_DATA_* settings):
   * 504 TIMEOUT past its deadline, 422 past its heap cap, 503 OVERLOADED past its queue.
   */
  converter: DataConverter;
}

const CONVERT = { scope: 'documents:read', rateClass: 'upload' } as const;
const FORMAT_LIST = DATA_FORMATS.join(', ');

/** The Content-Type's essence and charset parameter. */
function mediaTypeOf(header: string | undefined): { essence: string; charset: string | null } {
  const [essence = '', ...parameters] = (header ?? '').split(';');
  let charset: string | null = null;
  for (const parameter of parameters) {
    const [name, value] = parameter.split('=', 2);
    if (name?.trim().toLowerCase() === 'charset') {
      charset = (value ?? '').trim().replace(/^"|"$/g, '').toLowerCase();
    }
  }
  return { essence: essence.trim().toLowerCase(), charset };
}

function unsupported(essence: string): AppError {
  const accepted = Object.keys(DATA_INPUT_TYPES).join(', ');
  return new AppError(
    'UNSUPPORTED_MEDIA_TYPE',
    essence === ''
      ? `A Content-Type is required: one of ${accepted}`
      : `Content-Type ${essence} is not converted; send one of ${accepted}`,
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text: UTF-8 only (a BOM is dropped), checked in full. */
function decodeBody(request: FastifyRequest, body: Buffer): string {
  const { essence, charset } = mediaTypeOf(request.headers['content-type']);
  if (charset !== null && charset !== 'utf-8' && charset !== 'utf8') {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `charset=${charset} is not supported for ${essence}; send UTF-8`,
    );
  }
  try {
    return utf8.decode(body);
  } catch {
    throw new AppError('UNPROCESSABLE_DOCUMENT', 'The body is not valid UTF-8');
  }
}

export async function convertDataRoutes(
  plain: FastifyInstance,
  { converter }: ConvertDataRoutesOptions,
): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  // This scope only: the app's JSON, text and multipart parsers give way to one parser per
  // input format, each reading raw bytes up to that format's cap.
  app.removeAllContentTypeParsers();
  for (const format of DATA_FORMATS) {
    const mediaTypes = Object.keys(DATA_INPUT_TYPES).filter(
      (mediaType) => DATA_INPUT_TYPES[mediaType] === format,
    );
    app.addContentTypeParser(
      mediaTypes,
      { parseAs: 'buffer', bodyLimit: DATA_MAX_INPUT_BYTES[format] },
      (request, body, done) => {
        try {
          done(null, decodeBody(request, body as Buffer));
        } catch (error) {
          done(error as AppError, undefined);
        }
      },
    );
  }

  // Anything else (or a body without a Content-Type) is refused before it is read.
  app.addContentTypeParser('*', (request, _payload, done) => {
    done(unsupported(mediaTypeOf(request.headers['content-type']).essence), undefined);
  });

  app.post(
    '/v1/convert/data',
    {
      config: CONVERT,
      schema: {
        operationId: 'convert.data',
        tags: ['convert'],
        summary: `Convert data between ${FORMAT_LIST}`,
        description:
          'The body is the document; its Content-Type names its format: text/csv (header row → keys), ' +
          'application/json, application/yaml (also text/yaml, application/x-yaml), application/xml ' +
          '(also text/xml; attributes become `@name` keys, text beside them `#text`). UTF-8 only. ' +
          `Limits: ${DATA_FORMATS.map((f) => `${f} ${DATA_MAX_INPUT_BYTES[f] / (1024 * 1024)} MiB`).join(', ')}; ` +
          'nesting 100 levels; 1,000,000 values; XML with a DOCTYPE is refused (no entity expansion); ' +
          'YAML: one document, core schema, no custom tags, at most 100 aliases.',
        querystring: ConvertDataQuery,
        body: ConvertDataBody,
        response: {
          200: ConvertedData,
          413: problemResponse('The body is over its format’s size cap (PAYLOAD_TOO_LARGE)'),
          415: problemResponse('Not a CSV, JSON, YAML or XML media type (UNSUPPORTED_MEDIA_TYPE)'),
          422: problemResponse(
            'Bad syntax, too deep, too many values, a DOCTYPE, an alias bomb, or a shape the target cannot hold (UNPROCESSABLE_DOCUMENT)',
          ),
          503: problemResponse('Too many conversions waiting (OVERLOADED)'),
          504: problemResponse('The conversion took too long (TIMEOUT)'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const { essence } = mediaTypeOf(request.headers['content-type']);
      const from: DataFormat | undefined = DATA_INPUT_TYPES[essence];
      // No Content-Type and no body reaches here without a parser.
      if (from === undefined || typeof request.body !== 'string') throw unsupported(essence);
      const { to, infer_types: inferTypes } = request.query;
      const output = await converter.convert({ text: request.body, from, to, inferTypes });
      return reply.type(DATA_OUTPUT_TYPES[to]).header('cache-control', 'no-store').send(output);
    },
  );
}
