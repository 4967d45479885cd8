// Preloaded by scripts/run-tests.mjs (`--import`): gives every test and hook a default timeout.
// node:test has none, and on Node 20 `--test-timeout` bounds a whole file (and loses its results)
// rather than each test, so test files' `node:test` imports are pointed at timed-node-test.mjs.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
