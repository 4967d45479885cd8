/**
 * PostgreSQL passage search: a stored generated `tsvector` column on `passages` and a GIN index
 * on it. Generated, so it is written in the same statement (and transaction) as the passage and
 * backfilled by this ALTER for passages that already exist.
 *
 * Configuration `simple` (lowercase, no stop words, no stemming) rather than `english`: documents
 * come in any language, stemming English rules onto them surprises, and the query words and
 * highlights come from shared/tokenize.ts, which does not stem either. Accents are removed
 * before parsing (NFKD, then combining marks dropped: `Café` is indexed as `cafe`), with
 * immutable built-ins only, since the `unaccent` extension may not be installed.
 */
import { sql, type Kysely } from 'kysely';

/** Combining marks (as a PostgreSQL regular expression) dropped after NFKD: the accents. */
export const MARKS_PATTERN =
  '[\\u0300-\\u036f\\u1ab0-\\u1aff\\u1dc0-\\u1dff\\u20d0-\\u20ff\\ufe20-\\ufe2f]';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `ALTER TABLE passages ADD COLUMN search tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig,
          regexp_replace(normalize(text, NFKD), '${MARKS_PATTERN}', '', 'g'))) STORED`,
    )
    .execute(db);
  await sql`CREATE INDEX passages_search ON passages USING gin (search)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS passages_search`.execute(db);
  await sql`ALTER TABLE passages DROP COLUMN IF EXISTS search`.execute(db);
}
