/**
 * The SQLite statement cache (src/adapters/sqlite/statement-cache.ts): Kysely's queries reuse
 * prepared statements, one that is iterating is never handed out again, and the least recently
 * used statements go first past the limit.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type SqliteDriver from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { cachedStatements } from '../../../src/adapters/sqlite/statement-cache.js';

const require = createRequire(import.meta.url);
const Database = require(
  Number(process.versions.node.split('.')[0]) >= 24 ? 'better-sqlite3-node24' : 'better-sqlite3',
) as typeof SqliteDriver;

function memoryDatabase(): SqliteDriver.Database {
  const connection = new Database(':memory:');
  connection.exec('create table t (n integer)');
  connection.exec('insert into t (n) values (1), (2), (3)');
  return connection;
}

describe('SQLite statement cache', { timeout: 20_000 }, () => {
  it('hands out the same prepared statement for the same SQL', () => {
    const cache = cachedStatements(memoryDatabase());
    try {
      const first = cache.prepare('select n from t where n > ?');
      assert.equal(cache.prepare('select n from t where n > ?'), first);
      assert.notEqual(cache.prepare('select n from t where n < ?'), first);
    } finally {
      cache.close();
    }
  });

  it('evicts the least recently used statement past its size', () => {
    const cache = cachedStatements(memoryDatabase(), 2);
    try {
      const a = cache.prepare('select 1');
      const b = cache.prepare('select 2');
      assert.equal(cache.prepare('select 1'), a); // a is now the most recent
      cache.prepare('select 3'); // evicts b
      assert.equal(cache.prepare('select 1'), a);
      assert.notEqual(cache.prepare('select 2'), b);
    } finally {
      cache.close();
    }
  });

  it('a statement that is iterating is not handed out again', () => {
    const cache = cachedStatements(memoryDatabase());
    try {
      const text = 'select n from t order by n';
      const seen: number[] = [];
      for (const row of cache.prepare(text).iterate([]) as IterableIterator<{ n: number }>) {
        // better-sqlite3 refuses to run a statement while it iterates ("busy").
        const all = cache.prepare(text).all([]) as { n: number }[];
        assert.deepEqual(
          all.map((r) => r.n),
          [1, 2, 3],
        );
        seen.push(row.n);
      }
      assert.deepEqual(seen, [1, 2, 3]);
    } finally {
      cache.close();
    }
  });

  it('runs Kysely queries and closes the connection on destroy', async () => {
    const connection = memoryDatabase();
    const db = new Kysely<{ t: { n: number } }>({
      dialect: new SqliteDialect({ database: cachedStatements(connection) }),
    });
    for (let run = 0; run < 3; run++) {
      const rows = await db.selectFrom('t').select('n').where('n', '>', run).execute();
      assert.equal(rows.length, 3 - run);
    }
    await db.insertInto('t').values({ n: 4 }).execute();
    const { rows } = await sql<{ c: number }>`select count(*) as c from t`.execute(db);
    assert.equal(rows[0]?.c, 4);
    await db.destroy();
    assert.equal(connection.open, false);
  });
});
