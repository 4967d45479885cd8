/**
 * The embedded database checkpoints its WAL on a timer, not in the commit that grows it: right
 * after a large transaction commits, its rows are still only in the WAL (the database file has
 * not grown), and within a few timer ticks they are in the database file. With the timer off
 * (0), SQLite's own checkpoint copies them in that commit, as before.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { openSqlite } from '../../../src/adapters/sqlite/database.js';
import { tempDir } from '../../helpers/app.js';

const MiB = 1024 * 1024;

/** Opens a fresh database, commits ~6 MiB in one transaction, and returns its file's size then. */
async function commitLarge(checkpointIntervalMs: number) {
  const filename = join(tempDir(), 'quire.db');
  const database = openSqlite({ filename, checkpointIntervalMs });
  await sql`create table filler (body text not null)`.execute(database.db);
  const body = 'x'.repeat(64 * 1024);
  await database.db.transaction().execute(async (trx) => {
    for (let row = 0; row < 96; row++) await sql`insert into filler values (${body})`.execute(trx);
  });
  return { database, filename, sizeAfterCommit: statSync(filename).size };
}

describe('SQLite WAL checkpoints', () => {
  it('are taken off the commit, and still done within a few ticks', async () => {
    const { database, filename, sizeAfterCommit } = await commitLarge(200);
    try {
      assert.ok(sizeAfterCommit < MiB, `the commit checkpointed: ${sizeAfterCommit} bytes`);
      const deadline = Date.now() + 5_000;
      while (statSync(filename).size < 6 * MiB) {
        assert.ok(Date.now() < deadline, `not checkpointed: ${statSync(filename).size} bytes`);
        await sleep(50);
      }
    } finally {
      await database.close();
    }
  });

  it('with the timer off, SQLite checkpoints in the commit', async () => {
    const { database, sizeAfterCommit } = await commitLarge(0);
    await database.close();
    assert.ok(sizeAfterCommit >= 6 * MiB, `${sizeAfterCommit} bytes`);
  });
});
