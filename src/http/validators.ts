/**
 * Request validation. Query strings, params and headers arrive as text, so those parts coerce
 * types (`?limit=10` is a number); a JSON body already has types, so it does not coerce: `tags:
 * [1, 2]` is a 400, not silently `["1", "2"]`. Nor does a body lose fields its schema forbids:
 * Fastify's default `removeAdditional` strips them silently (a misspelt `metdata` answered 202 and
 * was dropped), so a body schema with `additionalProperties: false` answers 400 naming the field,
 * while one that leaves them open (Cohere-compatible rerank) keeps taking them. Both parts use
 * Fastify's ajv defaults otherwise (no allErrors: it is a DoS vector on large inputs).
 */
import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler';

/** What Fastify passes to the compiler for each route part (the published types say less). */
interface RoutePart {
  schema: unknown;
  httpPart?: string;
}
type Compile = (part: RoutePart) => unknown;
type Factory = (
  externalSchemas: unknown,
  options: { customOptions?: Record<string, unknown> },
) => Compile;

export function buildValidators(): ValidatorFactory {
  const pool = AjvCompiler() as unknown as Factory;
  const factory: Factory = (externalSchemas, options) => {
    const customOptions = options.customOptions ?? {};
    const coercing = pool(externalSchemas, { ...options, customOptions });
    const strict = pool(externalSchemas, {
      ...options,
      customOptions: { ...customOptions, coerceTypes: false, removeAdditional: false },
    });
    return (part) => (part.httpPart === 'body' ? strict : coercing)(part);
  };
  return factory as unknown as ValidatorFactory;
}
