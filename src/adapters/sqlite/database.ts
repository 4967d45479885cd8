import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { SqlDatabase } from '../sql/database.js';
import type { DatabaseSchema } from '../sql/schema.js';

export interface SqliteOptions {
  /** A file path, or `:memory:` for tests. */
  filename: string;
  busyTimeoutMs?: number;
}

/** Opens the embedded database file in WAL mode, so readers never wait for the writer. */
export function openSqlite({ filename, busyTimeoutMs = 5000 }: SqliteOptions): SqlDatabase {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const connection = new Sqlite(filename);
  connection.pragma('journal_mode = WAL');
  // NORMAL is durable in WAL mode except for the last commits on power loss, never corrupting.
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma(`busy_timeout = ${busyTimeoutMs}`);
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: connection }) });
  let closed = false;
  return {
    dialect: 'sqlite',
    db,
    async ping() {
      if (closed || !connection.open) throw new Error('the SQLite database is closed');
      await sql`select 1`.execute(db);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
