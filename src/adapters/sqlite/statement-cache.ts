/**
 * Kysely's SQLite driver prepares every statement afresh on every execution. better-sqlite3's
 * `prepare` parses and plans the SQL each time, which was the largest single cost of an
 * authenticated document read (ADR 0004). Kysely only ever hands the driver a few hundred
 * distinct SQL strings (parameters are bound, not inlined), so the prepared statements are kept
 * by their SQL, least recently used evicted past `max`.
 */
import type SqliteDriver from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

export const STATEMENT_CACHE_SIZE = 500;

export function cachedStatements(
  connection: SqliteDriver.Database,
  max = STATEMENT_CACHE_SIZE,
): SqliteDatabase {
  const statements = new Map<string, SqliteDriver.Statement>();
  return {
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      // A statement iterating (Kysely's stream()) cannot run again until it finishes: a query
      // made meanwhile gets a statement of its own, not kept.
      if (cached !== undefined) {
        if (cached.busy) return connection.prepare(sql);
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = connection.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > max) {
        const oldest = statements.keys().next();
        if (oldest.done !== true) statements.delete(oldest.value);
      }
      return statement;
    },
    close(): void {
      statements.clear();
      connection.close();
    },
  };
}
