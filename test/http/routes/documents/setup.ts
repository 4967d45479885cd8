/**
 * Shared by the document route tests: uploads as multipart, the staging area that must be empty
 * after every request, the app the ingest tests use, and a stored document read by two tenants.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { keyFor } from '../../../helpers/keys.js';
import { multipart } from '../../../helpers/multipart.js';

export const DOCS = '/v1/documents';

export function upload(
  t: TestApp,
  headers: Record<string, string>,
  parts: Parameters<typeof multipart>[0],
  query = '',
) {
  const body = multipart(parts);
  return t.app.inject({
    method: 'POST',
    url: `${DOCS}${query}`,
    headers: { ...headers, ...body.headers },
    payload: body.payload,
  });
}

export const sha256 = (data: Buffer | string): string =>
  createHash('sha256').update(data).digest('hex');

/** Files left in the blob store's staging area: must always be none after a request. */
export function staged(t: TestApp): string[] {
  try {
    return readdirSync(join(t.dataDir, 'tmp')).filter((name) => name.startsWith('stage'));
  } catch {
    return [];
  }
}

/** An app with a 64 KiB upload cap and a 10,000-byte text cap, and a writer key of tenant acme. */
export async function ingestApp(): Promise<{ t: TestApp; writer: Record<string, string> }> {
  const t = await buildTestApp({
    QUIRE_MAX_UPLOAD_BYTES: String(64 * 1024),
    QUIRE_MAX_TEXT_BYTES: '10000',
  });
  const writer = await keyFor(t, 'acme', ['documents:read', 'documents:write']);
  return { t, writer };
}

/** The bytes of the document storedDocument uploads. */
export const STORED_CONTENT = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz\n'.repeat(100));

/** An app with one document of tenant acme (STORED_CONTENT, tagged), keys of acme and globex. */
export async function storedDocument(): Promise<{
  t: TestApp;
  acme: Record<string, string>;
  globex: Record<string, string>;
  id: string;
}> {
  const t = await buildTestApp();
  const acme = await keyFor(t, 'acme', ['documents:read', 'documents:write']);
  const globex = await keyFor(t, 'globex', ['documents:read', 'documents:write']);
  const created = await upload(t, acme, [
    { name: 'file', value: STORED_CONTENT, filename: 'Ünïcode réport.txt' },
    { name: 'tags', value: 'report' },
  ]);
  return { t, acme, globex, id: created.json().document.id };
}
