/**
 * The JSON body parser, with Fastify's own protection kept and its cost on clean bodies cut.
 *
 * Fastify parses JSON with secure-json-parse, which, after JSON.parse, runs two regular
 * expressions over the whole text looking for `"__proto__":` or `"constructor":` keys (each
 * letter possibly written as a \u escape), and walks the parsed value when either matches. On a
 * 135 kB rerank body those scans cost about as much as the parse itself, on the event loop, and
 * even three plain substring searches were 5 % of a rerank request's CPU. Here the parsed value is
 * walked instead, always: only its objects and arrays, never the text of its strings, so a body
 * of a few big strings costs a few steps. The walk looks for exactly what secure-json-parse's
 * own walk refuses (an own `__proto__` key; an own `constructor` key whose value is an object
 * with an own `prototype`); a body that holds one, and anything JSON.parse refuses, goes to
 * Fastify's parser, which answers exactly as before (the poisoned key refused, the BOM stripped,
 * the same errors).
 */
import type { FastifyInstance } from 'fastify';

/**
 * True when a parsed JSON value holds a key secure-json-parse refuses, at any depth: an own
 * `__proto__` key, or an own `constructor` key whose value is an object with an own `prototype`.
 */
export function holdsPoisonedKey(value: unknown): boolean {
  const pending: object[] = [];
  if (value !== null && typeof value === 'object') pending.push(value);
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (Object.hasOwn(node, '__proto__')) return true;
    const fields = node as Record<string, unknown>;
    if (Object.hasOwn(node, 'constructor')) {
      const constructor = fields.constructor;
      if (constructor !== null && typeof constructor === 'object') {
        if (Object.hasOwn(constructor, 'prototype')) return true;
      }
    }
    for (const key in fields) {
      const child = fields[key];
      if (child !== null && typeof child === 'object') pending.push(child);
    }
  }
  return false;
}

export function useJsonBodyParser(app: FastifyInstance): void {
  const secure = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const body = String(raw); // parseAs 'string': always a string already
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      secure(request, body, done);
      return;
    }
    if (holdsPoisonedKey(value)) {
      secure(request, body, done);
      return;
    }
    done(null, value);
  });
}
