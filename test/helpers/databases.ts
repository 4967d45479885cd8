/**
 * The SQL harness: every store conformance suite runs against each of these. SQLite gets a fresh
 * file; PostgreSQL (127.0.0.1:5432 unless QUIRE_TEST_DATABASE_URL says otherwise) gets a fresh
 * schema per run, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import type { SqlDatabase } from '../../src/adapters/sql/database.js';
import { migrateToLatest } from '../../src/adapters/sql/migrate.js';
import { openPostgres } from '../../src/adapters/postgres/database.js';
import { openSqlite } from '../../src/adapters/sqlite/database.js';
import { tempDir } from './app.js';
import { createSqlTenantStore } from '../../src/adapters/sql/tenant-store.js';
import { createSqlUnitOfWork } from '../../src/adapters/sql/unit-of-work.js';
import { requireService } from './services.js';
import type { UnitOfWork } from '../../src/ports/unit-of-work.js';

export const TEST_POSTGRES_URL =
  process.env.QUIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface DatabaseFixture {
  database: SqlDatabase;
  /** The URL the app would be configured with (postgres only). */
  url?: string;
  dispose(): Promise<void>;
}

export interface DatabaseTarget {
  name: 'sqlite' | 'postgres';
  open(): Promise<DatabaseFixture>;
}

/** A URL whose connections use `schema` as their search_path. */
export function urlWithSchema(baseUrl: string, schema: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Fails at once, naming PostgreSQL and how to start it, when none answers at TEST_POSTGRES_URL. */
export function requirePostgres(): Promise<void> {
  return requireService({
    name: 'PostgreSQL',
    url: TEST_POSTGRES_URL,
    variable: 'QUIRE_TEST_DATABASE_URL',
    defaultPort: 5432,
    start:
      '`service postgresql start`, with trust auth for 127.0.0.1 and a database named test: ' +
      '`createdb -U postgres test`',
  });
}

export async function createPostgresSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  await requirePostgres();
  const schema = `quire_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  return {
    url: urlWithSchema(TEST_POSTGRES_URL, schema),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

export const DATABASE_TARGETS: DatabaseTarget[] = [
  {
    name: 'sqlite',
    async open() {
      const database = openSqlite({ filename: join(tempDir(), 'quire.db') });
      await migrateToLatest(database);
      return { database, dispose: () => database.close() };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = await createPostgresSchema();
      const database = openPostgres({ url: schema.url, poolMax: 5, connectTimeoutMs: 2000 });
      await migrateToLatest(database);
      return {
        database,
        url: schema.url,
        async dispose() {
          await database.close();
          await schema.drop();
        },
      };
    },
  },
];

/** Creates tenant rows by id: most stores' rows refer to their tenant. */
export function tenantEnsurer(database: SqlDatabase): (id: string) => Promise<void> {
  const tenants = createSqlTenantStore(database);
  return async (id) => {
    await tenants.ensure({ id, name: id });
  };
}

/** A unit of work on a fresh database of `target`, with a way to create tenants. */
export async function openUnitOfWork(target: DatabaseTarget): Promise<{
  uow: UnitOfWork;
  ensureTenant(id: string): Promise<void>;
  dispose(): Promise<void>;
}> {
  const fixture = await target.open();
  return {
    uow: createSqlUnitOfWork(fixture.database),
    ensureTenant: tenantEnsurer(fixture.database),
    dispose: () => fixture.dispose(),
  };
}
