/**
 * Optional body fields that also take `null` meaning "absent", as the Cohere, Jina and OpenAI
 * clients send for a parameter the caller left unset (Cohere's v1 client, under LangChain's
 * CohereRerank, posts `"max_chunks_per_doc": null`). The schema says so — `anyOf: [T, {type:
 * "null"}]`, which OpenAPI 3.1 and generators read as nullable — and the body validator
 * (src/http/validators.ts, `dropNullsOfOptionalFields`) deletes such a null before validating,
 * so the field's default applies and the handler never sees null: hence the static type is T's.
 * A required field is never nullable here, so `null` there is still a 400.
 */
import { Type, type Static, type TSchema } from 'typebox';

/** Keywords that describe the field as a whole: they move to the outer schema (ajv applies a
 * `default` only there, not inside an `anyOf` branch). */
const OUTER_KEYWORDS = ['description', 'default', 'title', 'examples'] as const;

export function OptionalNullable<T extends TSchema>(schema: T) {
  const inner: Record<string, unknown> = { ...(schema as object) };
  const outer: Record<string, unknown> = {};
  for (const keyword of OUTER_KEYWORDS) {
    if (keyword in inner) {
      outer[keyword] = inner[keyword];
      delete inner[keyword];
    }
  }
  return Type.Optional(
    Type.Unsafe<Static<T>>({
      anyOf: [inner, { type: 'null' }],
      ...outer,
    } as unknown as TSchema),
  );
}
