// Module resolution hook: `node:test` imported from a test file resolves to the timed wrapper
// (the wrapper itself still gets the real module).
const WRAPPER = new URL('./timed-node-test.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'node:test' && context.parentURL !== WRAPPER) {
    return { url: WRAPPER, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
