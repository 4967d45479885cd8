/**
 * A fresh Quire for the fuzz and soak scripts: a real `quire start` process (embedded SQLite, a
 * temporary data dir removed on stop), a bootstrap admin key, and an API key with every scope and
 * the `unlimited` rate tier created through the admin API, as an operator would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SCOPES } from '../../src/ports/principal.js';
import { rawRequest } from './raw-http.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface QuireProcess {
  url: string;
  host: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** The API key created for the caller (every scope, unlimited tier) and its id. */
  apiKey: string;
  apiKeyId: string;
  /** Log lines at level ≥ error (50) the server wrote. */
  errorLogs: string[];
  exited(): boolean;
  stop(): Promise<number | string | null>;
}

export async function startQuire(env: Record<string, string> = {}): Promise<QuireProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'quire-script-'));
  const adminKey = `qk_${randomBytes(24).toString('base64url').slice(0, 32)}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    cwd: ROOT,
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('QUIRE_'))),
      QUIRE_HOST: '127.0.0.1',
      QUIRE_PORT: '0',
      QUIRE_DATA_DIR: dataDir,
      QUIRE_LOG_LEVEL: 'info',
      QUIRE_BOOTSTRAP_ADMIN_KEY: adminKey,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const errorLogs: string[] = [];
  let exitCode: number | string | null | undefined;
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? signal;
      resolve(exitCode);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('quire did not listen in time')),
      START_TIMEOUT_MS,
    );
    child.once('exit', (code) => reject(new Error(`quire exited (${code}) before listening`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let entry: { level?: number; msg?: string; url?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if ((entry.level ?? 0) >= 50 && errorLogs.length < 200) errorLogs.push(line.slice(0, 2000));
      if (entry.msg === 'quire listening' && typeof entry.url === 'string') {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
  });
  const { hostname, port } = new URL(url);
  const stop = async (): Promise<number | string | null> => {
    if (exitCode === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
    return exitCode ?? null;
  };
  try {
    const created = await rawRequest({
      host: hostname,
      port: Number(port),
      method: 'POST',
      path: '/v1/admin/api-keys',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'script',
        tenant_id: 'default',
        scopes: SCOPES,
        rate_tier: 'unlimited',
      }),
      timeoutMs: 10_000,
    });
    if (created.status !== 201)
      throw new Error(`creating a key: ${created.status} ${created.text()}`);
    const key = JSON.parse(created.text()) as { id: string; key: string };
    // Traffic starts once the server is ready (its start-up extraction threads warmed up), as a
    // load balancer would send it: until then /health and /readyz answer 503 by design.
    const readyBy = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const ready = await rawRequest({
        host: hostname,
        port: Number(port),
        method: 'GET',
        path: '/readyz',
        headers: {},
        timeoutMs: 10_000,
      });
      if (ready.status === 200) break;
      if (Date.now() > readyBy) throw new Error(`quire not ready in time: ${ready.text()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return {
      url,
      host: hostname,
      port: Number(port),
      pid: child.pid ?? 0,
      child,
      apiKey: key.key,
      apiKeyId: key.id,
      errorLogs,
      exited: () => exitCode !== undefined,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
