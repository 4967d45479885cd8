/**
 * The SQL database behind the stores: a Kysely instance over SQLite (embedded) or PostgreSQL
 * (scale-out). Stores in adapters/sql use only Kysely's portable query builder; what differs by
 * dialect (opening, pinging, migrations) is chosen here.
 */
import type { Kysely, KyselyConfig, LogEvent, Transaction } from 'kysely';
import type { DatabaseSchema } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface SqlDatabase {
  readonly dialect: Dialect;
  readonly db: Kysely<DatabaseSchema>;
  /** One round trip to the server (or file); rejects when it cannot be reached. */
  ping(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export type SqlExecutor = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

/** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
export function withTransaction<T>(
  database: SqlDatabase,
  work: (trx: Transaction<DatabaseSchema>) => Promise<T>,
): Promise<T> {
  return database.db.transaction().execute(work);
}

/** A statement's kind, for timing by kind (a label set that stays small whatever the SQL). */
export type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'other';

/** Told the duration of every statement, failed ones included. */
export type StatementObserver = (kind: StatementKind, seconds: number) => void;

const KINDS: Record<string, StatementKind> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};

/** Kysely's `log` option feeding `observe` (undefined when nobody observes: no cost). */
export function statementLog(observe: StatementObserver | undefined): KyselyConfig['log'] {
  if (observe === undefined) return undefined;
  return (event: LogEvent) =>
    observe(KINDS[event.query.query.kind] ?? 'other', event.queryDurationMillis / 1000);
}
