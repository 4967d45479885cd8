import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Structure-aware passages (issue 18): each passage's page span (`page_end`), its character
 * offsets in its first and last page's text, its heading path (a JSON array of titles) and
 * whether it lies on a navigation page (table of contents, index), which search leaves out by
 * default. Passages written before have one page, no known headings and no navigation flag; their
 * offsets are unknown (0) until their document is cut again, which this migration cannot do (the
 * text may be sealed): `scheme` says how each passage was cut and indexed ('' before), and the
 * workers re-index at start every document whose passages were made another way
 * (jobs/reindex.ts), so changing QUIRE_PASSAGE_* or QUIRE_SEARCH_RANKING re-indexes too.
 */
export const migration = (): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('passages')
      .addColumn('page_end', 'integer', (column) => column.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('passages')
      .addColumn('char_start', 'integer', (column) => column.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('passages')
      .addColumn('char_end', 'integer', (column) => column.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('passages')
      .addColumn('heading_path', 'text', (column) => column.notNull().defaultTo('[]'))
      .execute();
    await db.schema
      .alterTable('passages')
      .addColumn('navigation', 'integer', (column) => column.notNull().defaultTo(0))
      .execute();
    // How the passages were cut and indexed; '' for those written before: see staleDocuments.
    await db.schema
      .alterTable('passages')
      .addColumn('scheme', 'text', (column) => column.notNull().defaultTo(''))
      .execute();
    await db.schema.createIndex('passages_scheme').on('passages').column('scheme').execute();
    await sql`update passages set page_end = page`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('passages_scheme').execute();
    for (const column of [
      'scheme',
      'navigation',
      'heading_path',
      'char_end',
      'char_start',
      'page_end',
    ])
      await db.schema.alterTable('passages').dropColumn(column).execute();
  },
});
