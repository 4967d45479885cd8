/**
 * A PostgreSQL and a Redis that a test starts itself, on its own port and data directory, to stop
 * and start again for outage tests: the machine's shared servers are never touched. Callers pass fixed ports below the
 * ephemeral range (27000–27999): a port in 32768–60999 can be held by any outgoing connection or
 * port-0 listener of a test running in parallel, and was.
 * PostgreSQL's binaries are found under /usr/lib/postgresql/<version>/bin (QUIRE_TEST_PG_BIN
 * overrides); initdb refuses root, so as root the cluster runs as the `postgres` user.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { onCleanup, tempDir } from './app.js';

export interface OwnServer {
  url: string;
  /** Stops the server abruptly (as a crash or a network cut would look to clients). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
}

function postgresBin(): string {
  if (process.env.QUIRE_TEST_PG_BIN !== undefined) return process.env.QUIRE_TEST_PG_BIN;
  const root = '/usr/lib/postgresql';
  const version = existsSync(root)
    ? readdirSync(root).sort((a, b) => Number(b) - Number(a))[0]
    : undefined;
  if (version === undefined) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  return join(root, version, 'bin');
}

/** Resolves once something accepts TCP connections on `port`. */
async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
      socket.setTimeout(500, () => resolve(false));
    }).finally(() => undefined);
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startOwnPostgres(port: number): Promise<OwnServer> {
  const bin = postgresBin();
  const dir = tempDir('quire-pg-');
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const id = (flag: string): number =>
      Number(execFileSync('id', [flag, 'postgres']).toString().trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const run = (tool: string, args: string[]): void => {
    const command = join(bin, tool);
    if (asRoot)
      execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'ignore' });
    else execFileSync(command, args, { stdio: 'ignore' });
  };
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async (): Promise<void> => {
    try {
      run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
    } catch (error) {
      const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8') : '';
      throw new Error(`PostgreSQL did not start on port ${port}: ${log.slice(-2000)}`, {
        cause: error,
      });
    }
    await waitForPort(port);
  };
  const stop = async (): Promise<void> => {
    run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  };
  await start();
  onCleanup(async () => {
    try {
      await stop();
    } catch {
      // already stopped
    }
  });
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, start, stop };
}

export async function startOwnRedis(port: number): Promise<OwnServer> {
  const dir = tempDir('quire-redis-');
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
      ],
      { stdio: 'ignore' },
    );
    await waitForPort(port);
  };
  const stop = async (): Promise<void> => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  onCleanup(stop);
  return { url: `redis://127.0.0.1:${port}`, start, stop };
}
