/**
 * The JSON body parser, with Fastify's own protection kept and its cost on clean bodies cut.
 *
 * Fastify parses JSON with secure-json-parse, which, after JSON.parse, runs two regular
 * expressions over the whole text looking for `"__proto__":` or `"constructor":` keys, each
 * letter possibly written as a \u escape. On a 135 kB rerank body those scans cost about as much
 * as the parse itself, on the event loop. A text with no `__proto__`, no `constructor` and no
 * `\u` at all cannot hold such a key in any spelling, so it is parsed plainly (a few substring
 * searches instead of the regexes); any other text, and anything JSON.parse refuses, goes to
 * Fastify's parser, which answers exactly as before (the poisoned key refused, the BOM stripped,
 * the same errors).
 */
import type { FastifyInstance } from 'fastify';

/** True when `text` cannot hold a `__proto__` or `constructor` key, however it is spelled. */
export function cannotHoldPoisonedKeys(text: string): boolean {
  return !text.includes('\\u') && !text.includes('__proto__') && !text.includes('constructor');
}

export function useJsonBodyParser(app: FastifyInstance): void {
  const secure = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const body = String(raw); // parseAs 'string': always a string already
    if (body.length > 0 && cannotHoldPoisonedKeys(body)) {
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch {
        secure(request, body, done);
        return;
      }
      done(null, value);
      return;
    }
    secure(request, body, done);
  });
}
