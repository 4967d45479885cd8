// A node:test reporter that writes nothing when every test it heard of got a result, and
// otherwise what was lost. node:test runs each file in a child process that streams its events to
// the parent; when that stream is cut short (a child that calls process.exit(0), or
// --test-force-exit exiting with events still buffered: nodejs/node#64833), the parent counts the
// file as passed and the missing tests simply do not appear in the summary.
// scripts/run-tests.mjs fails the run when this reporter wrote anything.
//
// Two signs, neither needing to know which file a test came from (tests declared through
// timed-node-test.mjs carry that wrapper's location, not their file's):
// - the test node:test makes for a whole file gets a result of its own only when no test inside
//   the file reported one; a pass there means the file's tests were never heard of;
// - every test queued (test:enqueue) gets a pass or a fail, counted by nesting and name.
import { isAbsolute, relative, resolve } from 'node:path';

/** The test node:test creates for a whole file: nesting 0, named by the file's path. */
function isFileTest(data) {
  if (data.nesting !== 0 || typeof data.name !== 'string' || typeof data.file !== 'string') {
    return false;
  }
  return (isAbsolute(data.name) ? data.name : resolve(data.name)) === data.file;
}

export default async function* verdictCheck(source) {
  const silentFiles = [];
  const awaiting = new Map();
  for await (const { type, data } of source) {
    if (typeof data?.nesting !== 'number' || typeof data.name !== 'string') continue;
    if (isFileTest(data)) {
      if (type === 'test:pass') silentFiles.push(relative(process.cwd(), data.file));
      continue;
    }
    const key = `${data.nesting}\u0000${data.name}`;
    if (type === 'test:enqueue') {
      awaiting.set(key, (awaiting.get(key) ?? 0) + 1);
    } else if (type === 'test:pass' || type === 'test:fail') {
      const left = (awaiting.get(key) ?? 0) - 1;
      if (left > 0) awaiting.set(key, left);
      else awaiting.delete(key);
    }
  }
  for (const file of silentFiles) {
    yield `${file}: no test in it reported a result (did its process exit early?)\n`;
  }
  const lost = [...awaiting].flatMap(([key, count]) => Array(count).fill(key.split('\u0000')[1]));
  if (lost.length > 0) {
    const shown = lost.slice(0, 10).join('; ') + (lost.length > 10 ? '; …' : '');
    yield `${lost.length} test(s) queued but never reported a result: ${shown}\n`;
  }
}
