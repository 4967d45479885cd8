/**
 * Response serializers: Fastify's own (fast-json-stringify), given each response schema with its
 * simple unions spelt the way fast-json-stringify serializes without a validator.
 *
 * fast-json-stringify serializes an `anyOf` by running ajv on the value to pick the branch, and it
 * compiles that ajv lazily, on the first answer that reaches the union. Our views are full of
 * such unions — nullable fields (`anyOf: [T, {type: "null"}]`) and literal unions (a status) —
 * so the first upload's 202 spent ~53 ms compiling validators, and the first job and document
 * reads as much again: most of what made the first document after start slower than the next.
 * The same answer is written without ajv when a nullable field says `nullable: true` and a union
 * of literals of one type says just that type: the serializer then picks by `=== null` and
 * `typeof`. A union of anything else (two object shapes) keeps its `anyOf`.
 *
 * Only the serializers see the rewritten schemas: OpenAPI and the validators keep the `anyOf`
 * (OpenAPI 3.1 has no `nullable`).
 */
import SerializerSelector, { type SerializerFactory } from '@fastify/fast-json-stringify-compiler';

type Schema = Record<string | symbol, unknown>;

const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean']);

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isNullSchema = (schema: Schema): boolean => schema.type === 'null';

/** The one schema a null-free union serializes as, if fast-json-stringify needs no validator for
 * it: a single branch, or literals (or scalars) all of one type. */
function singleBranch(branches: Schema[]): Schema | undefined {
  if (branches.length === 1) return branches[0];
  const type = branches[0]?.type;
  if (typeof type !== 'string' || !SCALAR_TYPES.has(type)) return undefined;
  if (!branches.every((branch) => branch.type === type && branch.anyOf === undefined)) {
    return undefined;
  }
  return { type };
}

function unionForSerialization(schema: Schema, anyOf: unknown[]): Schema {
  // TypeBox's own marker ('~kind': 'Union') would no longer say what the schema is.
  const { anyOf: _anyOf, '~kind': _kind, ...outer } = schema;
  const branches = anyOf.filter(isSchema).map(forSerialization);
  if (branches.length !== anyOf.length || branches.some((branch) => branch.$ref !== undefined)) {
    return { ...outer, anyOf: branches };
  }
  const valued = branches.filter((branch) => !isNullSchema(branch));
  const nullable = valued.length < branches.length;
  const single = valued.length > 0 ? singleBranch(valued) : undefined;
  // `nullable` needs a `type` beside it (ajv, which still checks the unions left, refuses it alone).
  if (single === undefined || single.anyOf !== undefined || typeof single.type !== 'string') {
    return { ...outer, anyOf: branches };
  }
  return nullable ? { ...single, ...outer, nullable: true } : { ...single, ...outer };
}

const rewritten = new WeakMap<object, Schema>();

/** The schema fast-json-stringify is given for a response: the same JSON out, fewer validators. */
export function forSerialization(schema: object): Schema {
  const known = rewritten.get(schema);
  if (known !== undefined) return known;
  const out: Schema = {};
  for (const key of Reflect.ownKeys(schema)) {
    const value = (schema as Schema)[key];
    if (key === 'properties' && isSchema(value)) {
      const properties: Schema = {};
      for (const [name, property] of Object.entries(value)) {
        properties[name] = isSchema(property) ? forSerialization(property) : property;
      }
      out[key] = properties;
    } else if ((key === 'items' || key === 'additionalProperties') && isSchema(value)) {
      out[key] = forSerialization(value);
    } else {
      out[key] = value;
    }
  }
  const result = Array.isArray(out.anyOf) ? unionForSerialization(out, out.anyOf) : out;
  rewritten.set(schema, result);
  return result;
}

function externalForSerialization(externalSchemas: unknown): unknown {
  if (!isSchema(externalSchemas)) return externalSchemas;
  const out: Schema = {};
  for (const [id, schema] of Object.entries(externalSchemas)) {
    out[id] = isSchema(schema) ? forSerialization(schema) : schema;
  }
  return out;
}

/** `schemaController.compilersFactory.buildSerializer`: Fastify's default, on rewritten schemas. */
export function buildSerializers(): SerializerFactory {
  const selector = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = selector(externalForSerialization(externalSchemas), options);
    return (route) =>
      compile({
        ...route,
        schema: isSchema(route.schema) ? forSerialization(route.schema) : route.schema,
      });
  };
}
