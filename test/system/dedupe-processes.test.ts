/**
 * Content dedupe across real processes: two Quire servers sharing one data directory (and so one
 * SQLite file) receive parallel uploads of the same bytes over HTTP; the tenant ends with one
 * document, every other upload answered 200 deduplicated. Without a unique guard in the database,
 * each process's lookup misses the other's uncommitted insert and both create one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { tempDir, TEST_ADMIN_KEY } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { spawnServer, type SpawnedServer } from '../helpers/process.js';

const SERVER = 'test/fixtures/slow-server.ts';
const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

async function upload(url: string, bytes: Buffer): Promise<{ status: number; id: string }> {
  const form = multipart([{ name: 'file', value: bytes, filename: 'same.txt' }]);
  const response = await fetch(`${url}/v1/documents`, {
    method: 'POST',
    headers: { ...auth, ...form.headers },
    body: form.payload,
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await response.json()) as { document: { id: string } };
  return { status: response.status, id: body.document.id };
}

describe('dedupe across two processes sharing one SQLite file', { timeout: 120_000 }, () => {
  let servers: SpawnedServer[];
  before(async () => {
    const env = {
      QUIRE_DATA_DIR: tempDir(),
      QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
      QUIRE_ROLE: 'api',
    };
    // One after the other: the first creates the database and applies the migrations.
    const first = await spawnServer(SERVER, env);
    servers = [first, await spawnServer(SERVER, env)];
  });

  it('8 parallel uploads of the same bytes, 5 times over: one document each time', async () => {
    for (let round = 0; round < 5; round++) {
      const bytes = Buffer.from(`round ${round} ${randomBytes(8).toString('hex')}\n`.repeat(50));
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => upload((servers[i % 2] as SpawnedServer).url, bytes)),
      );
      assert.deepEqual(
        answers.map((answer) => answer.status).sort(),
        [200, 200, 200, 200, 200, 200, 200, 202],
        `round ${round}: one 202, seven 200`,
      );
      assert.equal(new Set(answers.map((answer) => answer.id)).size, 1, `round ${round}`);
    }
    const listed = await fetch(`${(servers[0] as SpawnedServer).url}/v1/documents?limit=200`, {
      headers: auth,
    });
    assert.equal(((await listed.json()) as { data: unknown[] }).data.length, 5);
  });
});
