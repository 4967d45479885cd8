/**
 * The real process with QUIRE_BLOB_STORE=s3 against s3rver on loopback: an upload becomes ready
 * (extraction reads the blob back through the store) and downloads byte-identical, whole and
 * by Range, with the bucket holding only ciphertext; then the S3 server is killed mid-upload:
 * the upload gets a 503 problem+json, nothing of it is visible (bucket, documents, local
 * staging), and once the server is back on the same port and data the next upload works
 * without restarting Quire.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { TEST_ADMIN_KEY, tempDir } from '../helpers/app.js';
import { spawnServer, type SpawnedServer } from '../helpers/process.js';
import { filesUnder } from '../helpers/files.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const S3_PORT = 27101;
const PREFIX = 'system/';
const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const BOUNDARY = 'quire-s3-outage';

/** Text that extraction accepts, with a marker to look for in the bucket. */
function notes(lines: number, marker: string): Buffer {
  const words = ['ledger', 'harbour', 'quartz', 'meadow', 'signal', 'copper', 'lantern'];
  const out: string[] = [];
  for (let i = 0; i < lines; i++)
    out.push(`${marker} line ${i}: ${words[i % words.length]} ${words[(i * 3) % words.length]}`);
  return Buffer.from(out.join('\n') + '\n');
}

function formParts(filename: string): { head: Buffer; tail: Buffer } {
  return {
    head: Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
        'Content-Type: text/plain\r\n\r\n',
    ),
    tail: Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  };
}

interface Answer {
  status: number;
  type: string;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    retryAfter: response.headers.get('retry-after'),
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

async function upload(server: SpawnedServer, bytes: Buffer, filename: string): Promise<Answer> {
  const { head, tail } = formParts(filename);
  const response = await fetch(`${server.url}/v1/documents?dedupe=false`, {
    method: 'POST',
    headers: { ...admin, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    body: Buffer.concat([head, bytes, tail]),
    signal: AbortSignal.timeout(20_000),
  });
  return answer(response);
}

/** An upload whose body trickles in; `midway` runs after `midwayAfter` bytes have been sent. */
async function slowUpload(
  server: SpawnedServer,
  total: number,
  midwayAfter: number,
  midway: () => Promise<void>,
): Promise<Answer> {
  const { head, tail } = formParts('outage.txt');
  const piece = notes(20_000, 'outage').subarray(0, 256 * 1024);
  let sent = 0;
  let midwayDone = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === 0) controller.enqueue(head);
      if (sent >= total) {
        controller.enqueue(tail);
        controller.close();
        return;
      }
      if (!midwayDone && sent >= midwayAfter) {
        midwayDone = true;
        await midway();
      }
      controller.enqueue(piece);
      sent += piece.length;
      await sleep(10);
    },
  });
  const response = await fetch(`${server.url}/v1/documents?dedupe=false`, {
    method: 'POST',
    headers: { ...admin, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    body,
    duplex: 'half',
    signal: AbortSignal.timeout(30_000),
  } as RequestInit);
  assert.ok(midwayDone, 'the S3 server was stopped while the upload was under way');
  return answer(response);
}

async function getJson(server: SpawnedServer, path: string): Promise<Answer> {
  return answer(
    await fetch(`${server.url}${path}`, { headers: admin, signal: AbortSignal.timeout(10_000) }),
  );
}

async function untilReady(server: SpawnedServer, id: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { body } = await getJson(server, `/v1/documents/${id}`);
    if (body.status === 'ready') return body;
    if (body.status === 'failed' || Date.now() > deadline)
      assert.fail(`document ${id} is ${String(body.status)}: ${JSON.stringify(body)}`);
    await sleep(100);
  }
}

describe(
  'S3 blob store: a real process against s3rver, and an S3 outage mid-upload',
  { timeout: 120_000 },
  () => {
    let s3: S3TestServer;
    let server: SpawnedServer;
    let dataDir: string;
    const first = notes(30_000, 'plaintext-marker-7f3a');
    /** The deployment's sentinel blob, written at first start (see /readyz), is not a document's. */
    let sentinel: Set<string>;
    const documentKeys = async (prefix: string): Promise<string[]> =>
      (await s3.keys(prefix)).filter((key) => !sentinel.has(key));

    before(async () => {
      s3 = await startS3Server(S3_PORT);
      dataDir = tempDir('quire-s3-system-');
      server = await spawnServer('src/cli.ts', {
        ...s3.env(PREFIX),
        QUIRE_DATA_DIR: dataDir,
        QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
        QUIRE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        QUIRE_READY_CHECK_TIMEOUT_MS: '1000',
      });
      sentinel = new Set(await s3.keys(PREFIX));
      assert.equal(sentinel.size, 1, 'the sentinel blob');
    });

    it('uploads, extracts from the bucket, downloads whole and by Range byte-identical; the bucket holds ciphertext', async () => {
      const created = await upload(server, first, 'first.txt');
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const { id, sha256 } = created.body.document as { id: string; sha256: string };
      const ready = await untilReady(server, id);
      assert.equal(ready.size_bytes, first.length);

      const whole = await fetch(`${server.url}/v1/documents/${id}/file`, { headers: admin });
      assert.equal(whole.status, 200);
      assert.ok(Buffer.from(await whole.arrayBuffer()).equals(first), 'whole download');
      const [start, end] = [70_001, 400_123];
      const part = await fetch(`${server.url}/v1/documents/${id}/file`, {
        headers: { ...admin, range: `bytes=${start}-${end}` },
      });
      assert.equal(part.status, 206);
      assert.ok(
        Buffer.from(await part.arrayBuffer()).equals(first.subarray(start, end + 1)),
        'range',
      );

      const keys = await documentKeys(PREFIX);
      const blobKey = `${PREFIX}blobs/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
      assert.deepEqual(keys, [blobKey]);
      const stored = await s3
        .client()
        .send(new GetObjectCommand({ Bucket: s3.bucket, Key: blobKey }));
      const raw = Buffer.from(await stored.Body!.transformToByteArray());
      assert.equal(raw.subarray(0, 7).toString('latin1'), 'QBLOB1\n', 'framed, encrypted');
      assert.equal(raw.includes('plaintext-marker-7f3a'), false, 'no plaintext in the bucket');
    });

    it('S3 killed mid-upload: 503 problem+json, nothing half-visible; back on the same port and data: the next upload works', async () => {
      const outage = await slowUpload(server, 6 * 1024 * 1024, 2 * 1024 * 1024, () => s3.stop());
      assert.equal(outage.status, 503, JSON.stringify(outage.body));
      assert.match(outage.type, /^application\/problem\+json/);
      assert.equal(outage.body.code, 'DEPENDENCY_UNAVAILABLE');
      assert.equal(outage.retryAfter, '5');
      assert.match(String(outage.body.request_id), /^[0-9a-f-]{36}$/);
      assert.match(String(outage.body.detail), /blob store/i);

      const documents = await getJson(server, '/v1/documents');
      assert.equal((documents.body.data as unknown[]).length, 1, 'only the first document');
      assert.deepEqual(
        (await filesUnder(join(dataDir, 'tmp'))).filter((name) => name.startsWith('stage-')),
        [],
        'no staged upload left behind',
      );

      await s3.start();
      assert.equal((await documentKeys(PREFIX)).length, 1, 'only the first blob in the bucket');
      // Quire was not restarted: once its breaker lets a call through again, uploads work.
      const deadline = Date.now() + 30_000;
      let next: Answer;
      for (;;) {
        next = await upload(server, notes(100, 'after'), 'after.txt');
        if (next.status === 202 || Date.now() > deadline) break;
        assert.equal(next.status, 503, JSON.stringify(next.body));
        await sleep(250);
      }
      assert.equal(next.status, 202, JSON.stringify(next.body));
      const { id } = next.body.document as { id: string };
      await untilReady(server, id);
      assert.equal((await documentKeys(`${PREFIX}blobs/`)).length, 2);
    });
  },
);
