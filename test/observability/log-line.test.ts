/** Fixed-shape log lines read exactly as the same logger's pino lines, level, bindings and mixin included. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino, type Logger, type LoggerOptions } from 'pino';
import { loggerOptions } from '../../src/logger.js';
import { lineWriter } from '../../src/observability/log-line.js';

function sinkLogger(options: LoggerOptions): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino(options, sink), lines };
}

function withoutTime(line: string): Record<string, unknown> {
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.match(String(parsed.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  delete parsed.time;
  return parsed;
}

const FIELDS = { request_id: 'r-1', path: '/a "quoted" \\ path\n', status: 503, route: null };
const FRAGMENT =
  ',"request_id":"r-1","path":"/a \\"quoted\\" \\\\ path\\n","status":503,"route":null';

describe('fixed-shape log lines', () => {
  it('write what pino writes for the same fields, with a child logger’s bindings', () => {
    const { logger, lines } = sinkLogger(loggerOptions('info'));
    const child = logger.child({ api_process: 2 });
    const write = lineWriter(child, 'request', Object.keys(FIELDS));
    write('warn', FRAGMENT);
    child.warn(FIELDS, 'request');
    assert.equal(lines.length, 2);
    assert.ok(lines[0]?.endsWith('}\n'), 'one line, newline-terminated');
    assert.deepEqual(withoutTime(lines[0] ?? ''), withoutTime(lines[1] ?? ''));
    assert.deepEqual(withoutTime(lines[0] ?? ''), {
      level: 'warn',
      service: 'quire',
      api_process: 2,
      ...FIELDS,
      msg: 'request',
    });
  });

  it('respect the logger’s level', () => {
    const { logger, lines } = sinkLogger(loggerOptions('warn'));
    const write = lineWriter(logger, 'request', Object.keys(FIELDS));
    write('info', FRAGMENT);
    assert.equal(lines.length, 0, 'info is below warn');
    write('error', FRAGMENT);
    assert.equal(withoutTime(lines[0] ?? '').level, 'error');
    logger.level = 'silent';
    write('error', FRAGMENT);
    assert.equal(lines.length, 1, 'a level changed later applies too');
  });

  it('carry the mixin’s fields, the line’s own value winning over a mixin field of its name', () => {
    const mixin = (): object => ({ trace_id: 'from-the-span', span_id: 'abc', request_id: 'x' });
    const { logger, lines } = sinkLogger({ ...loggerOptions('info'), mixin });
    const write = lineWriter(logger, 'request', Object.keys(FIELDS));
    write('info', FRAGMENT);
    logger.info(FIELDS, 'request');
    const written = withoutTime(lines[0] ?? '');
    assert.deepEqual(written, withoutTime(lines[1] ?? ''));
    assert.equal(written.request_id, 'r-1');
    assert.equal(written.span_id, 'abc');
    assert.equal(written.trace_id, 'from-the-span');
    assert.equal((lines[0]?.match(/"request_id"/g) ?? []).length, 1, 'no key written twice');
  });
});
