import { sql, type Kysely, type Migration } from 'kysely';

/**
 * A page whose Markdown is its text (plain text, OCR, most PDF pages) is stored once:
 * `markdown_is_text` 1 and `markdown` empty, and readers take the text (sql/content-store.ts).
 * Pages written before keep both copies (0). The same for staged pages, which move into
 * `document_pages` as they are.
 */
const TABLES = ['document_pages', 'staged_pages'] as const;

export const migration = (): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    for (const table of TABLES)
      await db.schema
        .alterTable(table)
        .addColumn('markdown_is_text', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of TABLES) {
      await sql`UPDATE ${sql.table(table)} SET markdown = text
        WHERE markdown_is_text = 1 AND sealing = 0`.execute(db);
      // A sealed text is sealed for its own place: it cannot stand as the Markdown's seal, and
      // nothing here holds the key (as migration 0009's down drops the sealed rows it cannot keep).
      await sql`DELETE FROM ${sql.table(table)} WHERE markdown_is_text = 1 AND sealing <> 0`.execute(
        db,
      );
      await db.schema.alterTable(table).dropColumn('markdown_is_text').execute();
    }
  },
});
