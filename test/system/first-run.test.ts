/**
 * A first `quire start` as a new user meets it (a real process): it listens on loopback only,
 * prints where the API and its reference are, the admin key once, an upload to copy and paste
 * (which works as printed) and how to recover a lost admin key (which works too); `GET /` leads
 * to the web console (the reference when it is not built); QUIRE_HOST=0.0.0.0 opens it to every interface.
 */
import assert from 'node:assert/strict';
import { exec, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { onCleanup, tempDir } from '../helpers/app.js';
import { ROOT, runScript } from '../helpers/process.js';

interface Started {
  child: ChildProcess;
  stdout: () => string;
  /** The `quire listening` log line's url. */
  listening: string;
}

/** `quire start` with the caller's settings only (no QUIRE_HOST unless given), until its banner. */
async function start(env: Record<string, string>): Promise<Started> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('QUIRE_')),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    cwd: ROOT,
    env: { ...inherited, QUIRE_PORT: '0', QUIRE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no start banner within 90 s; stdout: ${stdout}\nstderr: ${stderr}`)),
      90_000,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // The banner is written at once, the log line through pino's asynchronous stream.
      if (
        /Upload a file[\s\S]*\/v1\/documents\n/.test(stdout) &&
        stdout.includes('"quire listening"')
      ) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`quire start exited ${code}; stderr: ${stderr}`));
    });
  });
  const line = stdout.split('\n').find((text) => text.includes('"quire listening"'));
  assert.ok(line, 'the listening log line');
  return { child, stdout: () => stdout, listening: String(JSON.parse(line).url) };
}

async function stop({ child }: Started): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** An IPv4 address of this machine other than loopback, if it has one. */
function outsideAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry !== undefined && !entry.internal && entry.family === 'IPv4')?.address;
}

/** null when a TCP connection opens, else the error code. */
function tryConnect(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve('TIMEOUT');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'ERROR'));
  });
}

function shell(command: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    exec(command, { cwd: ROOT, timeout: 30_000 }, (error, stdout) =>
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout }),
    );
  });
}

describe('first run of quire start', { timeout: 300_000 }, () => {
  const dataDir = tempDir();

  it('listens on loopback only and prints the URLs, the admin key once and a working upload', async () => {
    const server = await start({ QUIRE_DATA_DIR: dataDir });
    const port = Number(new URL(server.listening).port);
    assert.equal(new URL(server.listening).hostname, '127.0.0.1');
    const banner = server.stdout();
    const base = `http://127.0.0.1:${port}`;
    assert.match(banner, new RegExp(`API reference +${base}/docs`));
    const key = /^ {6}(qk_\S+)$/m.exec(banner)?.[1];
    assert.ok(key, `the admin key is shown:\n${banner}`);
    assert.equal(banner.split(key).length - 1, 2, 'the key, and the curl example using it');
    assert.match(banner, /shown this once/);

    const outside = outsideAddress();
    if (outside !== undefined) {
      assert.equal(await tryConnect(outside, port), 'ECONNREFUSED');
      assert.ok(!banner.includes(`Server listening at http://${outside}:`));
    }

    // The upload example, run as printed (from the directory `npm start` runs in).
    const example = /^ {6}(curl .*)$/m.exec(banner)?.[1];
    assert.ok(example);
    assert.equal(
      example,
      `curl -H "Authorization: Bearer ${key}" -F file=@README.md ${base}/v1/documents`,
    );
    const uploaded = await shell(`${example} --silent --show-error`);
    assert.equal(uploaded.code, 0);
    const answer = JSON.parse(uploaded.stdout) as { document: { filename: string } };
    assert.equal(answer.document.filename, 'README.md');

    const home = await fetch(`${base}/`, { redirect: 'manual' });
    assert.equal(home.status, 302);
    // The web console when it is built (`npm test` builds it), else the reference.
    const consoleBuilt = existsSync(join(ROOT, 'console', 'dist', 'index.html'));
    assert.equal(home.headers.get('location'), consoleBuilt ? '/console/' : '/docs');
    assert.equal(
      new RegExp(`Web console +${base}/console/`).test(banner),
      consoleBuilt,
      'the banner names the console exactly when it is built',
    );
    const docs = await fetch(`${base}/docs/`);
    assert.match(await docs.text(), /<title>Quire API reference<\/title>/);
    await stop(server);
  });

  it('on later starts shows no key but the recovery command, which works; QUIRE_HOST=0.0.0.0 opens it', async () => {
    const server = await start({ QUIRE_DATA_DIR: dataDir, QUIRE_HOST: '0.0.0.0' });
    const port = Number(new URL(server.listening).port);
    // Fastify answers the first address it bound (loopback); every interface is in its log.
    const banner = server.stdout();
    assert.doesNotMatch(banner, /qk_/);
    assert.match(banner, /curl -H "Authorization: Bearer \$QUIRE_API_KEY" -F file=@README\.md/);
    const recovery = /^ {6}node dist\/cli\.js (keys create --admin.*)$/m.exec(banner)?.[1];
    assert.ok(recovery, `the recovery command:\n${banner}`);

    const outside = outsideAddress();
    if (outside !== undefined) {
      assert.equal(await tryConnect(outside, port), null);
      assert.ok(banner.includes(`Server listening at http://${outside}:${port}`));
    }

    // The same command from source (dist/ is built by `npm start`), against the same data.
    const created = await runScript('src/cli.ts', recovery.split(' '), { QUIRE_DATA_DIR: dataDir });
    assert.equal(created.code, 0, created.stderr);
    const { key, scopes } = JSON.parse(created.stdout) as { key: string; scopes: string[] };
    assert.deepEqual([...scopes].sort(), ['admin', 'documents:read', 'documents:write', 'search']);
    const stats = await fetch(`http://127.0.0.1:${port}/v1/admin/stats`, {
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(stats.status, 200);
    await stop(server);
  });
});
