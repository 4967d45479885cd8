/**
 * Shared by the search route tests: every suite runs on SQLite and on PostgreSQL, against an app
 * whose documents were created and extracted the way clients do it (a 12-page PDF upload tagged
 * `manual,fixture`, and field notes as JSON text), with a key of another tenant.
 */
import assert from 'node:assert/strict';
import { before, describe } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { pagePhrase, textPdfBytes } from '../../../fixtures/documents.js';
import { buildTestApp, createApiKey, onCleanup, type TestApp } from '../../../helpers/app.js';
import { createPostgresSchema } from '../../../helpers/databases.js';
import { submitText, waitForJob } from '../../../helpers/jobs.js';
import { multipart } from '../../../helpers/multipart.js';

export { pagePhrase };

export interface Result {
  document_id: string;
  chunk_id: string;
  page: number;
  score: number;
  text: string;
  highlights: { start: number; end: number }[];
}
export interface Answer {
  results: Result[];
  meta: { method: string; took_ms: number; degraded: boolean };
}

const ENV = {
  QUIRE_RATE_LIMIT_READ: '1000000',
  QUIRE_RATE_LIMIT_SEARCH: '1000000',
  QUIRE_RATE_LIMIT_WRITE: '1000000',
  QUIRE_RATE_LIMIT_UPLOAD: '1000000',
  QUIRE_WORKER_POLL_MS: '20',
};

/** What a suite's tests use, filled in before its first test. */
export interface SearchFixture {
  t: TestApp;
  /** The 12-page PDF (page n says pagePhrase(n)). */
  pdfId: string;
  /** The field notes (zephyr, café, naïve gulls). */
  notesId: string;
  /** A key of tenant `other`, with the search and documents scopes. */
  otherKey: string;
  search(payload: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** The results of a search that must answer 200. */
  results(payload: unknown): Promise<Result[]>;
}

/** Each engine the search tests run on, and the settings that select it (a fresh schema). */
export const DATABASES: [string, () => Promise<Record<string, string>>][] = [
  ['sqlite', async () => ({})],
  [
    'postgres',
    async () => {
      const schema = await createPostgresSchema();
      onCleanup(() => schema.drop());
      return { QUIRE_DATABASE_URL: schema.url };
    },
  ],
];

/** Declares `tests` once per database, in a suite `POST /v1/search (<database>): <title>`. */
export function searchSuite(title: string, tests: (f: SearchFixture) => void): void {
  for (const [name, env] of DATABASES) {
    describe(`POST /v1/search (${name}): ${title}`, () => {
      const f = {} as SearchFixture;
      before(async () => {
        Object.assign(f, await searchFixture(await env()));
      });
      tests(f);
    });
  }
}

/** Builds the app, creates both documents, waits for their extraction, and makes the other key. */
async function searchFixture(env: Record<string, string>): Promise<SearchFixture> {
  const t = await buildTestApp({ ...ENV, ...env });
  const search = (payload: unknown, headers: Record<string, string> = t.admin) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/search',
      headers,
      payload: payload as Record<string, unknown>,
    });
  const results = async (payload: unknown): Promise<Result[]> => {
    const response = await search(payload);
    assert.equal(response.statusCode, 200, response.body);
    return (response.json() as Answer).results;
  };
  const form = multipart([
    { name: 'file', value: Buffer.from(await textPdfBytes(12)), filename: 'manual.pdf' },
    { name: 'tags', value: 'manual,fixture' },
  ]);
  const created = await t.app.inject({
    method: 'POST',
    url: '/v1/documents?dedupe=false',
    headers: { ...t.admin, ...form.headers },
    payload: form.payload,
  });
  assert.equal(created.statusCode, 202, created.body);
  const pdf = created.json() as { document: { id: string }; job: { id: string } };
  const pdfId = pdf.document.id;
  const notes = await submitText(
    t,
    'Field notes: the zephyr crossed the café terrace at dawn. Naïve gulls followed it.',
  );
  const notesId = notes.document.id;
  for (const job of [pdf.job.id, notes.job.id]) {
    assert.equal((await waitForJob(t, job)).status, 'succeeded');
  }
  const { key: otherKey } = await createApiKey(t, {
    name: 'other tenant',
    tenant_id: 'other',
    scopes: ['search', 'documents:write', 'documents:read'],
  });
  return { t, pdfId, notesId, otherKey, search, results };
}
