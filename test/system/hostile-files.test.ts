/**
 * Every hostile file (test/fixtures/hostile-files.ts) uploaded to one real server process, in
 * turn: each gets its expected outcome (a 4xx at upload, or its job `ready` or `failed` with a
 * code) within its own bound, /livez keeps answering, and the server's RSS stays within 400 MB
 * of its start while a file is handled and once it is (a zip bomb that lies about its sizes
 * once took it from ~320 MB to 1.2 GB, and it stayed there). `npm run hostile` prints the table.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HOSTILE_FILES } from '../fixtures/hostile-files.js';
import {
  describeExpectation,
  hostileTable,
  rssOf,
  runHostileFile,
  startHostileServer,
  type HostileRow,
  type HostileServer,
} from '../helpers/hostile-run.js';

const MB = 1024 * 1024;
const RSS_HEADROOM = 400 * MB;

describe('hostile files against a real server', { timeout: 420_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'quire-hostile-test-'));
  const rows: HostileRow[] = [];
  let server: HostileServer;
  let baseline = 0;

  before(async () => {
    server = await startHostileServer();
    baseline = rssOf(server.pid);
  });

  after(async () => {
    // The table, in the test log too (stderr: the runner reads stdout for its summary).
    console.error(hostileTable(rows, Math.round(baseline / MB)));
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const file of HOSTILE_FILES) {
    const expected = describeExpectation(file.expected);
    it(`${file.name}: ${expected}`, { timeout: file.boundMs + 30_000 }, async () => {
      const path = await file.make(dir);
      const row = await runHostileFile(server, file, path);
      rmSync(path, { force: true });
      rows.push(row);
      assert.deepEqual(row.problems, [], `${row.outcome} in ${row.ms} ms`);
      const limit = Math.round((baseline + RSS_HEADROOM) / MB);
      assert.ok(row.peakRssMb < limit, `peak RSS ${row.peakRssMb} MB, limit ${limit} MB`);
      assert.ok(row.afterRssMb < limit, `RSS after ${row.afterRssMb} MB, limit ${limit} MB`);
    });
  }
});
