/**
 * Values from the JSON Schemas of an OpenAPI document, driven by a seeded random source: `valid`
 * aims to satisfy the schema, `mutate` breaks it (wrong types, sizes past the limits, NUL and lone
 * surrogates, deep nesting, unknown fields).
 */
export type Schema = Record<string, unknown>;

/** mulberry32: small, fast, deterministic for a seed. */
export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

const NASTY_STRINGS = [
  '',
  ' ',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '💥🧨',
  '../../etc/passwd',
  '%00',
  '%zz',
  "'; DROP TABLE documents; --",
  '<script>alert(1)</script>',
  '\r\nX-Injected: 1',
  '${jndi:ldap://x}',
  'NaN',
  '-1',
  '1e309',
  '\u202eevil',
  'null',
];

function text(random: Random, min: number, max: number): string {
  const length = random.int(min, Math.min(max, min + 40));
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789 -_';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[random.int(0, alphabet.length - 1)];
  return out;
}

function stringFor(random: Random, schema: Schema): string {
  const min = Number(schema.minLength ?? 0);
  const max = Number(schema.maxLength ?? 60);
  if (schema.format === 'date-time') return new Date(random.int(0, 2e12)).toISOString();
  if (schema.format === 'uri' || /url/i.test(String(schema.description ?? '')))
    return random.pick([
      'https://example.com/a.pdf',
      'http://127.0.0.1/',
      'ftp://x/',
      'https://example.org/doc.html',
    ]);
  const pattern = typeof schema.pattern === 'string' ? schema.pattern : '';
  if (pattern.startsWith('^[0-9]+(-[0-9]+)?')) return random.pick(['1', '1-3', '2,4', '1-2,5']);
  if (pattern.startsWith('^[A-Za-z0-9-]')) return random.pick(['Accept', 'X-Custom', 'User-Agent']);
  let value = text(random, Math.max(min, 1), max);
  if (min === 0 && random.chance(0.05)) value = '';
  return value.length < min ? value.padEnd(min, 'a') : value;
}

export function valid(random: Random, schema: Schema, depth = 0): unknown {
  if (Array.isArray(schema.enum)) return random.pick(schema.enum as unknown[]);
  if ('const' in schema) return schema.const;
  const union = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(union)) return valid(random, random.pick(union), depth);
  const type = Array.isArray(schema.type) ? random.pick(schema.type as string[]) : schema.type;
  switch (type) {
    case 'string':
      return stringFor(random, schema);
    case 'integer':
    case 'number': {
      const min = Number(schema.minimum ?? 0);
      const max = Number(schema.maximum ?? min + 100);
      return random.int(min, Math.min(max, min + 100));
    }
    case 'boolean':
      return random.chance(0.5);
    case 'null':
      return null;
    case 'array': {
      const min = Number(schema.minItems ?? 0);
      const max = Math.min(Number(schema.maxItems ?? 4), min + 4);
      const items = (schema.items ?? {}) as Schema;
      const out: unknown[] = [];
      const count = random.int(min, Math.max(min, max));
      for (let i = 0; i < count && depth < 8; i++) {
        const item = valid(random, items, depth + 1);
        if (schema.uniqueItems && out.some((o) => JSON.stringify(o) === JSON.stringify(item)))
          continue;
        out.push(item);
      }
      while (out.length < min) out.push(`${String(valid(random, items, depth + 1))}${out.length}`);
      return out;
    }
    case 'object':
    default: {
      if (type === undefined && schema.properties === undefined)
        return random.pick(['x', 1, true, null, { a: 1 }]);
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      const out: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(properties))
        if (required.has(name) || random.chance(0.5))
          out[name] = valid(random, property, depth + 1);
      if (
        Object.keys(properties).length === 0 &&
        schema.additionalProperties !== false &&
        random.chance(0.5)
      )
        out[text(random, 1, 10)] = text(random, 0, 10);
      return out;
    }
  }
}

function deep(random: Random): unknown {
  let value: unknown = 'bottom';
  const depth = random.pick([64, 1000]);
  for (let i = 0; i < depth; i++) value = random.chance(0.5) ? [value] : { a: value };
  return value;
}

/** A value that breaks `schema` in one of many ways. */
export function mutate(random: Random, schema: Schema): unknown {
  const type = schema.type;
  switch (random.int(0, 9)) {
    case 0:
      return random.pick([null, true, 0, -1, 1.5, 2 ** 53, -(2 ** 63), '', [], {}, 'x']);
    case 1:
      return random.pick(NASTY_STRINGS);
    case 2:
      return 'x'.repeat(random.pick([257, 5000, 70_000, 1_100_000]));
    case 3:
      return deep(random);
    case 4:
      if (type === 'object')
        return {
          ...(valid(random, schema) as object),
          [random.pick(['tenant_id', 'status', 'metdata', '__proto__', 'constructor'])]: 'x',
        };
      return Array.from({ length: random.pick([101, 1001, 10_001]) }, (_, i) => i);
    case 5:
      if (type === 'integer' || type === 'number')
        return random.pick([
          Number(schema.maximum ?? 0) + 1,
          Number(schema.minimum ?? 0) - 1,
          1.5,
          '12',
          'NaN',
        ]);
      return random.pick([123, false, { nested: 'x' }]);
    default:
      if (type === 'object') {
        const value = valid(random, schema) as Record<string, unknown>;
        const properties = (schema.properties ?? {}) as Record<string, Schema>;
        const names = Object.keys(properties);
        if (names.length > 0) {
          const name = random.pick(names);
          value[name] = mutate(random, properties[name] ?? {});
        }
        return value;
      }
      if (type === 'array') {
        const value = valid(random, schema) as unknown[];
        value.push(mutate(random, (schema.items ?? {}) as Schema));
        return value;
      }
      return mutate(random, { ...schema, type: 'object' });
  }
}
