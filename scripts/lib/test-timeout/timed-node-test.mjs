// node:test with a default timeout on every test (`it`/`test`) and hook, unless the test sets its
// own. Suites (`describe`) are left unbounded: their tests are.
import * as nodeTest from 'node:test';
import { DEFAULT_TEST_TIMEOUT_MS } from './default-timeout.mjs';

/** (name?, options?, fn?) → the same call with `timeout` defaulted. */
function timedArgs(args) {
  const rest = [...args];
  const name = typeof rest[0] === 'string' ? [rest.shift()] : [];
  const given = typeof rest[0] === 'object' && rest[0] !== null ? rest.shift() : {};
  return [...name, { timeout: DEFAULT_TEST_TIMEOUT_MS, ...given }, ...rest];
}

function timedTest(original) {
  const wrapped = (...args) => original(...timedArgs(args));
  for (const variant of ['skip', 'todo', 'only']) {
    if (typeof original[variant] === 'function') {
      wrapped[variant] = (...args) => original[variant](...timedArgs(args));
    }
  }
  return wrapped;
}

function timedHook(original) {
  return (fn, options = {}) => original(fn, { timeout: DEFAULT_TEST_TIMEOUT_MS, ...options });
}

export const test = Object.assign(timedTest(nodeTest.test), { mock: nodeTest.mock });
export const it = timedTest(nodeTest.it);
export const before = timedHook(nodeTest.before);
export const after = timedHook(nodeTest.after);
export const beforeEach = timedHook(nodeTest.beforeEach);
export const afterEach = timedHook(nodeTest.afterEach);
export const { describe, suite, mock, run } = nodeTest;
export default test;
