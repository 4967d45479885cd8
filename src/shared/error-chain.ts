/**
 * An error and what it wraps (`cause`), outermost first: libraries wrap the error that says what
 * happened (a socket's code, a parser's message) in their own. Bounded, so a cycle of causes ends.
 */
export function* errorChain(error: unknown, depth = 5): Generator<Error> {
  for (let current = error, seen = 0; current instanceof Error && seen < depth; seen++) {
    yield current;
    current = current.cause;
  }
}
