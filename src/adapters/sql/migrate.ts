/**
 * Applies the dialect's migrations in order. Kysely's migrator takes a lock table, so several
 * processes starting at once against one PostgreSQL apply each migration exactly once.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationResult } from 'kysely';
import { postgresMigrations } from '../../migrations/postgres/index.js';
import { sqliteMigrations } from '../../migrations/sqlite/index.js';
import type { Dialect, SqlDatabase } from './database.js';

const MIGRATIONS: Record<Dialect, Record<string, Migration>> = {
  sqlite: sqliteMigrations,
  postgres: postgresMigrations,
};

export class MigrationError extends Error {
  constructor(
    readonly migration: string | undefined,
    cause: unknown,
  ) {
    super(
      `migration ${migration ?? '(setup)'} failed: ${(cause as Error)?.message ?? String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'MigrationError';
  }
}

export interface MigrationReport {
  applied: string[];
}

/** PostgreSQL's invalid_schema_name. */
const SCHEMA_MISSING = '3F000';
/** PostgreSQL's undefined_table. */
const RELATION_MISSING = '42P01';
/** The schema of a qualified relation PostgreSQL says does not exist. */
const MISSING_RELATION = /relation "([^".]+)\.[^"]+" does not exist/;
/** Enough for a database whose other schemas churn all the time (the tests' own do). */
const ATTEMPTS = 25;

/**
 * Kysely's introspection reads the catalog of every schema in the database (it calls
 * has_schema_privilege and pg_get_serial_sequence by name), so another schema dropped at that
 * moment — another deployment's, another test's — fails it: with 3F000 naming *that* schema, or,
 * when the drop lands between the schema's lookup and its table's, with 42P01 naming one of its
 * tables. Such a failure says nothing about ours: try again, with a short growing pause.
 */
function anotherSchemaVanished(error: unknown, ours: string | undefined): boolean {
  const cause = error instanceof MigrationError ? error.cause : error;
  const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return false;
  if (code === SCHEMA_MISSING) return ours === undefined || !message.includes(`"${ours}"`);
  if (code === RELATION_MISSING) {
    const schema = MISSING_RELATION.exec(message)?.[1];
    return schema !== undefined && schema !== ours;
  }
  return false;
}

export async function migrateToLatest(database: SqlDatabase): Promise<MigrationReport> {
  const ours =
    database.dialect === 'postgres'
      ? await currentSchema(database.db as unknown as Kysely<unknown>)
      : undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(database, ours);
    } catch (error) {
      if (attempt >= ATTEMPTS || !anotherSchemaVanished(error, ours)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, 10 * attempt)));
    }
  }
}

async function migrateOnce(
  database: SqlDatabase,
  ours: string | undefined,
): Promise<MigrationReport> {
  const db = database.db as unknown as Kysely<unknown>;
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS[database.dialect] },
    // Kysely looks for its bookkeeping tables in every schema unless told which one; name the
    // connection's own, or another schema's tables in the same database would be mistaken for ours.
    ...(ours === undefined ? {} : { migrationTableSchema: ours }),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  const failed = results.find((result: MigrationResult) => result.status === 'Error');
  if (error !== undefined) throw new MigrationError(failed?.migrationName, error);
  return {
    applied: results
      .filter((result: MigrationResult) => result.status === 'Success')
      .map((result) => result.migrationName),
  };
}

async function currentSchema(db: Kysely<unknown>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined || schema === null)
    throw new Error('PostgreSQL search_path names no schema');
  return schema;
}
