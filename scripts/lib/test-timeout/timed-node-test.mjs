// node:test with a default timeout on every test (`it`/`test`) and hook, unless the test sets its
// own. Suites (`describe`) are left unbounded: their tests are. A file's process also ends soon
// after its last test even if the file left a handle open (a server, an interval).
import { relative } from 'node:path';
import * as nodeTest from 'node:test';
import { DEFAULT_TEST_TIMEOUT_MS, EXIT_GRACE_MS } from './default-timeout.mjs';

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

// Evaluated once per test process, before the file's tests are declared, so this is a hook on the
// root: it runs when every test of the file is done. --test-force-exit would end the process at
// that moment, with the results the parent has not yet read still buffered (nodejs/node#64833);
// waiting EXIT_GRACE_MS and then for stdout to drain lets them all reach the parent first. The
// timer is unref'd: a file that closes what it opened exits at once, as it always did.
nodeTest.after(() => {
  const file = relative(process.cwd(), process.argv[1] ?? '');
  setTimeout(() => {
    process.stderr.write(
      `run-tests: ${file} left handles open ${EXIT_GRACE_MS} ms after its last test ` +
        `(${process.getActiveResourcesInfo().join(', ')}); ending its process\n`,
    );
    process.stdout.write('', () => process.exit());
  }, EXIT_GRACE_MS).unref();
});
