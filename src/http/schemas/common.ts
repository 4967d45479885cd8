import { Type } from 'typebox';

/** `limit` (1–200, default 50) and `cursor`, as every list takes them. */
export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
};

export const TenantId = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
  description: 'Lowercase letters, digits, `_` and `-`; 1–63 characters.',
});

/** A problem+json response, documented with the shared Problem schema. */
export const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
});

/** The errors every authenticated route can answer. */
export const AUTHENTICATED_ERRORS = {
  400: problemResponse('Invalid request (VALIDATION_FAILED)'),
  401: problemResponse('Missing or invalid credentials (UNAUTHENTICATED)'),
  403: problemResponse('A scope is missing (FORBIDDEN)'),
  429: problemResponse('Rate limit reached (RATE_LIMITED)'),
};

/** Response headers that routes set themselves, for their OpenAPI responses. */
export const RESPONSE_HEADERS = {
  etag: { type: 'string', description: 'A strong validator; send it back as If-None-Match' },
  location: { type: 'string', description: 'Where the created resource is' },
  contentRange: { type: 'string', description: 'The bytes sent, as `bytes start-end/size`' },
  acceptRanges: { type: 'string', description: '`bytes`: Range requests are served' },
  contentDisposition: { type: 'string', description: 'The original filename' },
} as const;

/** A JSON response with headers (the content form of a response, which may declare headers). */
export const jsonResponse = (
  description: string,
  schema: unknown,
  headers: Record<string, { type: string; description: string }>,
) => ({ description, headers, content: { 'application/json': { schema } } });
