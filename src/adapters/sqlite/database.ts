import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type SqliteDriver from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { statementLog, type SqlDatabase, type StatementObserver } from '../sql/database.js';
import type { DatabaseSchema } from '../sql/schema.js';
import { cachedStatements } from './statement-cache.js';

const require = createRequire(import.meta.url);

/**
 * better-sqlite3 12 (the last major that runs on Node 20) aborts the process on Node ≥ 24.19
 * when the garbage collector finalizes a prepared statement (WiseLibs/better-sqlite3#1515,
 * nodejs/node#65446); 13 fixes it but needs Node ≥ 22. Both are installed where they can be
 * (13 as the optional alias `better-sqlite3-node24`, skipped by npm on Node 20), and Node 24+
 * loads 13. See docs/adr/0003-sqlite-driver-per-node-version.md.
 */
function loadDriver(): { Database: typeof SqliteDriver; driver: string } {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 24) {
    try {
      return {
        Database: require('better-sqlite3-node24') as typeof SqliteDriver,
        driver: 'better-sqlite3@13',
      };
    } catch {
      throw new Error(
        'Node 24+ needs the better-sqlite3-node24 package: run `npm ci` (or `npm install`) with this Node version',
      );
    }
  }
  return {
    Database: require('better-sqlite3') as typeof SqliteDriver,
    driver: 'better-sqlite3@12',
  };
}

export interface SqliteOptions {
  /** A file path, or `:memory:` for tests. */
  filename: string;
  busyTimeoutMs?: number;
  /**
   * How often the WAL is checkpointed into the database file (default 1000 ms; 0: by SQLite
   * itself, in the commit that grows the WAL past 1,000 pages).
   */
  checkpointIntervalMs?: number;
  /** Told each statement's duration (database_query_duration_seconds). */
  onStatement?: StatementObserver;
}

/** Opens the embedded database file in WAL mode, so readers never wait for the writer. */
export function openSqlite({
  filename,
  busyTimeoutMs = 5000,
  checkpointIntervalMs = 1000,
  onStatement,
}: SqliteOptions): SqlDatabase {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const { Database } = loadDriver();
  const connection = new Database(filename);
  connection.pragma('journal_mode = WAL');
  // NORMAL is durable in WAL mode except for the last commits on power loss, never corrupting.
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma(`busy_timeout = ${busyTimeoutMs}`);
  const db = new Kysely<DatabaseSchema>({
    dialect: new SqliteDialect({ database: cachedStatements(connection) }),
    log: statementLog(onStatement),
  });
  // SQLite's own checkpoint runs in the commit that grows the WAL past 1,000 pages: a 300-page
  // document's (pages, passages, index: ~4 MB) nearly always, copying and syncing the WAL before
  // the job it completes is seen done (~50-80 ms of its wall time). A timer does it instead,
  // through Kysely's connection lock (never inside a transaction), PASSIVE as SQLite's is.
  let checkpoints: NodeJS.Timeout | undefined;
  if (checkpointIntervalMs > 0) {
    connection.pragma('wal_autocheckpoint = 0');
    checkpoints = setInterval(() => {
      // Failing only once closed (the next tick, or none, tries again).
      sql`pragma wal_checkpoint(PASSIVE)`.execute(db).catch(() => undefined);
    }, checkpointIntervalMs);
    checkpoints.unref();
  }
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
      clearInterval(checkpoints);
      await db.destroy();
    },
  };
}
