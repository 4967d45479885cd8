/**
 * `npm run hostile`: makes every hostile file (test/fixtures/hostile-files.ts), uploads each to a
 * real server process and prints a table of file, expected and actual outcome, time and server
 * RSS. Exits 1 when any file missed its expectation. `npm run hostile -- bomb` runs only the
 * files whose name contains "bomb".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOSTILE_FILES } from '../test/fixtures/hostile-files.js';
import {
  hostileTable,
  rssOf,
  runHostileFile,
  startHostileServer,
  type HostileRow,
} from '../test/helpers/hostile-run.js';

const filter = (process.argv[2] ?? '').toLowerCase();
const files = HOSTILE_FILES.filter((file) => file.name.toLowerCase().includes(filter));
const dir = mkdtempSync(join(tmpdir(), 'quire-hostile-files-'));
const server = await startHostileServer();
const rows: HostileRow[] = [];
try {
  const baseline = Math.round(rssOf(server.pid) / (1024 * 1024));
  for (const file of files) {
    const made = Date.now();
    const path = await file.make(dir);
    process.stderr.write(`${file.name}: made in ${Date.now() - made} ms… `);
    const row = await runHostileFile(server, file, path);
    process.stderr.write(`${row.outcome} in ${row.ms} ms\n`);
    rows.push(row);
    rmSync(path, { force: true });
  }
  console.log(hostileTable(rows, baseline));
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = rows.every((row) => row.problems.length === 0) ? 0 : 1;
