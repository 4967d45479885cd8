/**
 * A real server killed with SIGKILL mid-upload leaves its staged file in `tmp/`; the next start
 * removes it — and leaves alone a file another live process of the same data directory is still
 * writing.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempFileName } from '../../src/adapters/fs-temp/temp-files.js';
import { tempDir, TEST_ADMIN_KEY } from '../helpers/app.js';
import { spawnServer } from '../helpers/process.js';

const SERVER = 'test/fixtures/slow-server.ts';

describe('temporary files after kill -9', { timeout: 120_000 }, () => {
  it('a staged upload left by a killed process is removed at the next start', async () => {
    const dataDir = tempDir();
    const env = { QUIRE_DATA_DIR: dataDir, QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY };
    const first = await spawnServer(SERVER, env);
    const { hostname, port } = new URL(first.url);
    const socket = connect(Number(port), hostname);
    socket.on('error', () => undefined); // the server dies under it
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /v1/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\n` +
        `Content-Type: multipart/form-data; boundary=b\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n` +
        '--b\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\n',
    );
    for (let i = 0; i < 16; i++) socket.write(Buffer.alloc(64 * 1024, 0x61)); // 1 of 10 MiB
    const tmp = join(dataDir, 'tmp');
    const staged = (): string[] =>
      existsSync(tmp) ? readdirSync(tmp).filter((name) => name.startsWith('stage-')) : [];
    const deadline = Date.now() + 15_000;
    while (staged().length === 0) {
      if (Date.now() > deadline) throw new Error('the upload never started staging');
      await sleep(10);
    }
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');
    socket.destroy();
    const leftover = staged();
    assert.equal(leftover.length, 1, 'kill -9 left the staged file behind');
    // A file a live process (this test's, on this host) is writing: not ours to remove.
    const live = tempFileName('stage');
    writeFileSync(join(tmp, live), 'still being written');

    const second = await spawnServer(SERVER, env);
    assert.deepEqual(staged(), [live], 'the dead process’s file is gone, the live one’s kept');
    const line = second.logs.find((l) => l.msg === 'removed stale temporary files');
    assert.deepEqual(line?.files, leftover);
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
