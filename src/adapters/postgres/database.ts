import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import { statementLog, type SqlDatabase, type StatementObserver } from '../sql/database.js';
import type { DatabaseSchema } from '../sql/schema.js';

export interface PostgresOptions {
  url: string;
  poolMax: number;
  /** How long to wait for a connection (and for one statement) before giving up. */
  connectTimeoutMs: number;
  statementTimeoutMs?: number;
  logger?: Logger;
  /** Told each statement's duration (database_query_duration_seconds). */
  onStatement?: StatementObserver;
}

const TIMESTAMPTZ_OID = 1184;
const TIMESTAMP_OID = 1114;
const INT8_OID = 20;

/** Times come back as RFC 3339 strings and counts as numbers, as they do from SQLite. */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ_OID || oid === TIMESTAMP_OID) {
      return (value: string) => new Date(value).toISOString();
    }
    if (oid === INT8_OID) {
      return (value: string) => {
        const number = Number(value);
        return Number.isSafeInteger(number) ? number : value;
      };
    }
    return pg.types.getTypeParser(oid, format);
  },
};

export function openPostgres(options: PostgresOptions): SqlDatabase {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    idleTimeoutMillis: 30_000,
    types: typeParsers,
  });
  // A client whose server connection drops emits 'error': on the pool while idle, on the client
  // itself while checked out (its query rejects too). Unhandled, either crashes the process, so
  // both are logged; pg discards the broken client and the next query opens a new connection.
  const logLostConnection = (error: Error): void => {
    options.logger?.warn({ err: error }, 'postgres: connection lost');
  };
  pool.on('error', logLostConnection);
  pool.on('connect', (client) => client.on('error', logLostConnection));
  const db = new Kysely<DatabaseSchema>({
    dialect: new PostgresDialect({ pool }),
    log: statementLog(options.onStatement),
  });
  let closed = false;
  return {
    dialect: 'postgres',
    db,
    async ping() {
      if (closed) throw new Error('the PostgreSQL pool is closed');
      await sql`select 1`.execute(db);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
