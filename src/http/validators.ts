/**
 * Request validation. Query strings, params and headers arrive as text, so those parts coerce
 * types (`?limit=10` is a number); a JSON body already has types, so it does not coerce: `tags:
 * [1, 2]` is a 400, not silently `["1", "2"]`. Nor does a body lose fields its schema forbids:
 * Fastify's default `removeAdditional` strips them silently (a misspelt `metdata` answered 202 and
 * was dropped), so a body schema with `additionalProperties: false` answers 400 naming the field,
 * while one that leaves them open (Cohere-compatible rerank) keeps taking them. Both parts use
 * Fastify's ajv defaults otherwise (no allErrors: it is a DoS vector on large inputs).
 *
 * Coercion has one hole: ajv turns `?limit=1e309` (or `Infinity`) into Infinity and then skips
 * `minimum`/`maximum`, so the store got a non-finite limit and answered 500. The text parts refuse
 * any number that coercion made infinite.
 *
 * A body field that is optional and nullable (schemas/nullable.ts) takes `null` as "absent": the
 * null is deleted before validation, so defaults apply and handlers never see it.
 *
 * Bodies the routes read as streams (multipart forms, raw files) have a schema only to document
 * them in OpenAPI: Fastify never parses them into `request.body`, so there is nothing to validate
 * here — the routes check each part as they stream it (upload-form.ts, convert.ts).
 */
import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler';

/** What Fastify passes to the compiler for each route part (the published types say less). */
interface RoutePart {
  schema: unknown;
  httpPart?: string;
  contentType?: string;
}
/** A compiled ajv validator as Fastify calls it: false with `errors` set on failure. */
interface Validate {
  (data: unknown): unknown;
  errors?: unknown[] | null;
}
type Compile = (part: RoutePart) => Validate;
type Factory = (
  externalSchemas: unknown,
  options: { customOptions?: Record<string, unknown> },
) => Compile;

/** Media types whose bodies reach the route as a stream, unparsed. */
export const STREAMED_BODIES = new Set([
  'multipart/form-data',
  'application/octet-stream',
  'application/pdf',
]);
const readAsStream: Validate = () => true;

export function buildValidators(): ValidatorFactory {
  const pool = AjvCompiler() as unknown as Factory;
  const factory: Factory = (externalSchemas, options) => {
    const customOptions = options.customOptions ?? {};
    const coercing = pool(externalSchemas, { ...options, customOptions });
    const strict = pool(externalSchemas, {
      ...options,
      customOptions: { ...customOptions, coerceTypes: false, removeAdditional: false },
    });
    return (part) => {
      if (part.httpPart !== 'body') return refuseInfinities(coercing(part));
      if (STREAMED_BODIES.has(part.contentType ?? '')) return readAsStream;
      return dropNullsOfOptionalFields(part.schema, strict(part));
    };
  };
  return factory as unknown as ValidatorFactory;
}

function infiniteField(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  for (const [name, value] of Object.entries(data)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.some((item) => typeof item === 'number' && !Number.isFinite(item))) return name;
  }
  return undefined;
}

function refuseInfinities(validate: Validate): Validate {
  const checked: Validate = (data) => {
    const valid = validate(data);
    checked.errors = validate.errors;
    if (valid !== true) return valid;
    const name = infiniteField(data);
    if (name === undefined) return true;
    checked.errors = [
      {
        instancePath: `/${name}`,
        keyword: 'type',
        schemaPath: '#/type',
        params: {},
        message: 'must be a finite number',
      },
    ];
    return false;
  };
  return checked;
}

type SchemaObject = Record<string, unknown>;

const isObject = (value: unknown): value is SchemaObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `anyOf: [..., {type: "null"}]`: the field takes null. */
function isNullable(schema: SchemaObject): boolean {
  const branches = schema['anyOf'];
  return (
    Array.isArray(branches) &&
    branches.some((branch) => isObject(branch) && branch['type'] === 'null')
  );
}

/** Deletes, in place, every null of `data` that `schema` declares optional and nullable. */
function dropNulls(schema: unknown, data: unknown): void {
  if (!isObject(schema)) return;
  const branches = schema['anyOf'];
  if (Array.isArray(branches)) for (const branch of branches) dropNulls(branch, data);
  if (Array.isArray(data)) {
    if (isObject(schema['items'])) for (const item of data) dropNulls(schema['items'], item);
    return;
  }
  const properties = schema['properties'];
  if (!isObject(data) || !isObject(properties)) return;
  const required = Array.isArray(schema['required']) ? schema['required'] : [];
  for (const [name, property] of Object.entries(properties)) {
    if (!(name in data) || !isObject(property)) continue;
    if (data[name] === null && isNullable(property) && !required.includes(name)) delete data[name];
    else dropNulls(property, data[name]);
  }
}

/** Whether any field under `schema` is optional and nullable (else no walk per request). */
function hasNullableField(schema: unknown): boolean {
  if (!isObject(schema)) return false;
  if (isNullable(schema)) return true;
  const children = [
    ...(isObject(schema['properties']) ? Object.values(schema['properties']) : []),
    ...(Array.isArray(schema['anyOf']) ? schema['anyOf'] : []),
    schema['items'],
  ];
  return children.some(hasNullableField);
}

function dropNullsOfOptionalFields(schema: unknown, validate: Validate): Validate {
  if (!hasNullableField(schema)) return validate;
  const checked: Validate = (data) => {
    dropNulls(schema, data);
    const valid = validate(data);
    checked.errors = validate.errors;
    return valid;
  };
  return checked;
}
