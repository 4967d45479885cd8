/**
 * An e-mail's attachments as child documents, through HTTP, on SQLite and PostgreSQL: uploaded
 * with `attachments=list` (the default) they are listed in the message's metadata and nothing
 * else is made; with `attachments=extract` each (up to QUIRE_EMAIL_MAX_ATTACHMENTS, here 3)
 * becomes a document of the same tenant with `parent_id` the message, extracted by its own job,
 * and found by `GET /v1/documents?parent_id=`; an attached message is a child whose own
 * attachments stay listed (QUIRE_EMAIL_ATTACHMENT_DEPTH 1); an attachment of a type no upload
 * takes is skipped; deleting the message deletes its children; another tenant sees none of them.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTestApp, onCleanup, type TestApp } from '../../../helpers/app.js';
import { createPostgresSchema } from '../../../helpers/databases.js';
import { getJob, type JobBody } from '../../../helpers/jobs.js';
import { keyFor } from '../../../helpers/keys.js';
import { DOCS, upload } from './setup.js';

interface Child {
  id: string;
  title: string;
  status: string;
  filename: string | null;
  media_type: string | null;
  parent_id: string | null;
  extracted: { attachments?: { filename: string | null }[] };
}

interface Attachment {
  filename: string;
  type: string;
  body: string;
  /** Base64 (binary content). */
  base64?: boolean;
}

/** A message with a plain body and `attachments`, each a part of multipart/mixed. */
function message(subject: string, attachments: Attachment[]): string {
  const lines = [
    'From: "Ada Lovelace" <ada@example.org>',
    'To: charles@example.org',
    'Date: Tue, 05 Mar 2024 14:30:00 +0000',
    `Subject: ${subject}`,
    `Message-ID: <${subject.replace(/\W+/g, '-')}@example.org>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="mixed-${subject.length}"`,
    '',
    `--mixed-${subject.length}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `The body of ${subject}.`,
  ];
  for (const attachment of attachments) {
    lines.push(
      `--mixed-${subject.length}`,
      `Content-Type: ${attachment.type}; name="${attachment.filename}"`,
      `Content-Disposition: attachment; filename="${attachment.filename}"`,
      ...(attachment.base64 ? ['Content-Transfer-Encoding: base64'] : []),
      '',
      attachment.body,
    );
  }
  lines.push(`--mixed-${subject.length}--`, '');
  return lines.join('\r\n');
}

const text = (filename: string, body: string): Attachment => ({
  filename,
  type: 'text/plain',
  body,
});

/** A forwarded message, itself with an attachment (which depth 1 leaves listed only). */
const FORWARDED = message('Forwarded tides', [
  text('inner.txt', 'Inner attachment words about the neap tide.'),
]);

/** Bytes no upload takes (415): skipped, the other attachments still made children. */
const UNSUPPORTED: Attachment = {
  filename: 'tool.bin',
  type: 'application/octet-stream',
  body: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...Array<number>(120).fill(0)]).toString(
    'base64',
  ),
  base64: true,
};

const ENV = {
  QUIRE_WORKER_POLL_MS: '20',
  QUIRE_SEARCH_INDEX: 'off',
  QUIRE_EMAIL_MAX_ATTACHMENTS: '3',
  QUIRE_RATE_LIMIT_READ: '1000000',
  QUIRE_RATE_LIMIT_WRITE: '1000000',
  QUIRE_RATE_LIMIT_UPLOAD: '1000000',
};

const DATABASES: [string, () => Promise<Record<string, string>>][] = [
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

for (const [database, env] of DATABASES) {
  describe(`e-mail attachments as child documents (${database})`, { timeout: 180_000 }, () => {
    let t: TestApp;
    let acme: Record<string, string>;
    let globex: Record<string, string>;

    before(async () => {
      t = await buildTestApp({ ...ENV, ...(await env()) });
      acme = await keyFor(t, 'acme', ['documents:read', 'documents:write']);
      globex = await keyFor(t, 'globex', ['documents:read', 'documents:write']);
    });

    /** Uploads `eml` as tenant acme; waits for its extraction to succeed. */
    async function ingest(
      eml: string,
      fields: { name: string; value: string }[] = [],
    ): Promise<{ id: string; job: JobBody }> {
      const response = await upload(
        t,
        acme,
        [...fields, { name: 'file', value: eml, filename: 'message.eml' }],
        '?dedupe=false',
      );
      assert.equal(response.statusCode, 202, response.body);
      const created = response.json() as { document: { id: string }; job: { id: string } };
      const deadline = Date.now() + 60_000;
      let job = await getJob(t, created.job.id, acme);
      while (job.status === 'queued' || job.status === 'running') {
        if (Date.now() > deadline) assert.fail(`job not settled: ${JSON.stringify(job)}`);
        await sleep(25);
        job = await getJob(t, created.job.id, acme);
      }
      assert.equal(job.status, 'succeeded', JSON.stringify(job));
      return { id: created.document.id, job };
    }

    async function children(parentId: string, key = acme): Promise<Child[]> {
      const response = await t.app.inject({
        url: `${DOCS}?parent_id=${parentId}&sort=title`,
        headers: key,
      });
      assert.equal(response.statusCode, 200, response.body);
      return (response.json() as { data: Child[] }).data;
    }

    async function getDocument(id: string, key = acme) {
      return t.app.inject({ url: `${DOCS}/${id}`, headers: key });
    }

    /** Waits until every child is ready; their documents then. */
    async function readyChildren(parentId: string): Promise<Child[]> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const listed = await children(parentId);
        if (listed.every((child) => child.status === 'ready')) return listed;
        assert.ok(
          !listed.some((child) => child.status === 'failed'),
          `a child failed: ${JSON.stringify(listed)}`,
        );
        if (Date.now() > deadline) assert.fail(`children not ready: ${JSON.stringify(listed)}`);
        await sleep(50);
      }
    }

    async function contentText(id: string): Promise<string> {
      const response = await t.app.inject({
        url: `${DOCS}/${id}/content?format=text`,
        headers: acme,
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.body.trim();
    }

    it('list (the default): attachments in the metadata, no child documents', async () => {
      const eml = message('Listed only', [
        text('one.txt', 'First listed words.'),
        text('two.txt', 'Second listed words.'),
      ]);
      const { id } = await ingest(eml);
      const view = (await getDocument(id)).json() as Child;
      assert.equal(view.parent_id, null);
      assert.deepEqual(
        view.extracted.attachments?.map((each) => each.filename),
        ['one.txt', 'two.txt'],
      );
      assert.deepEqual(await children(id), []);
      // Only the message was made.
      const all = await t.app.inject({ url: `${DOCS}?q=one.txt`, headers: acme });
      assert.deepEqual((all.json() as { data: unknown[] }).data, []);
    });

    it('extract: each attachment a child with parent_id, extracted by its own job', async () => {
      const eml = message('Harbour log', [
        text('alpha.txt', 'Alpha attachment words about the harbour lamp.'),
        text('beta.txt', 'Beta attachment words about the north reef.'),
        { filename: 'forwarded.eml', type: 'message/rfc822', body: FORWARDED },
      ]);
      const { id } = await ingest(eml, [{ name: 'attachments', value: 'extract' }]);
      const view = (await getDocument(id)).json() as Child;
      assert.equal(view.parent_id, null);
      assert.equal(view.extracted.attachments?.length, 3);
      const made = await readyChildren(id);
      assert.deepEqual(
        made.map((child) => [child.filename, child.media_type, child.parent_id]),
        [
          ['alpha.txt', 'text/plain', id],
          ['beta.txt', 'text/plain', id],
          ['forwarded.eml', 'message/rfc822', id],
        ],
      );
      const [alpha, beta, forwarded] = made as [Child, Child, Child];
      assert.equal(await contentText(alpha.id), 'Alpha attachment words about the harbour lamp.');
      assert.equal(await contentText(beta.id), 'Beta attachment words about the north reef.');
      assert.match(await contentText(forwarded.id), /The body of Forwarded tides\./);
      // The child's own view says whose it is.
      assert.equal(((await getDocument(alpha.id)).json() as Child).parent_id, id);
      // Depth 1: the forwarded message's attachment is listed, not made a document.
      const inner = (await getDocument(forwarded.id)).json() as Child;
      assert.deepEqual(
        inner.extracted.attachments?.map((each) => each.filename),
        ['inner.txt'],
      );
      assert.deepEqual(await children(forwarded.id), []);
    });

    it('extract: at most QUIRE_EMAIL_MAX_ATTACHMENTS children; a refused type is skipped', async () => {
      const eml = message('Many lamps', [
        UNSUPPORTED,
        ...['c1', 'c2', 'c3', 'c4', 'c5'].map((name) =>
          text(`${name}.txt`, `Words of attachment ${name}.`),
        ),
      ]);
      const { id } = await ingest(eml, [{ name: 'attachments', value: 'extract' }]);
      const view = (await getDocument(id)).json() as Child;
      assert.equal(view.extracted.attachments?.length, 6);
      // The first three attachments are taken: tool.bin is refused (415), c1 and c2 made.
      const made = await readyChildren(id);
      assert.deepEqual(
        made.map((child) => child.filename),
        ['c1.txt', 'c2.txt'],
      );
    });

    it('deleting the message deletes its children; another tenant sees none of them', async () => {
      const eml = message('Keeper rota', [
        text('rota.txt', 'Rota words for the keepers.'),
        text('stores.txt', 'Stores words for the lamp room.'),
      ]);
      const { id } = await ingest(eml, [{ name: 'attachments', value: 'extract' }]);
      const made = await readyChildren(id);
      assert.equal(made.length, 2);

      // Tenant isolation: globex sees neither the message nor its children.
      assert.deepEqual(await children(id, globex), []);
      for (const child of made) assert.equal((await getDocument(child.id, globex)).statusCode, 404);
      const globexDelete = await t.app.inject({
        method: 'DELETE',
        url: `${DOCS}/${id}`,
        headers: globex,
      });
      assert.equal(globexDelete.statusCode, 404);
      assert.equal((await getDocument(made[0]?.id ?? '')).statusCode, 200);

      const deleted = await t.app.inject({ method: 'DELETE', url: `${DOCS}/${id}`, headers: acme });
      assert.equal(deleted.statusCode, 204, deleted.body);
      assert.equal((await getDocument(id)).statusCode, 404);
      for (const child of made) assert.equal((await getDocument(child.id)).statusCode, 404);
      assert.deepEqual(await children(id), []);
    });

    it('attachments takes only list or extract', async () => {
      const response = await upload(t, acme, [
        { name: 'attachments', value: 'all' },
        { name: 'file', value: message('Bad mode', []), filename: 'message.eml' },
      ]);
      assert.equal(response.statusCode, 400, response.body);
      assert.match(response.body, /\/body\/attachments must be list or extract/);
    });
  });
}
