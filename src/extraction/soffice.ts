/**
 * One LibreOffice conversion in an isolated child process: its own profile directory (a shared
 * one serialises or breaks concurrent conversions), an address-space limit (prlimit), no network
 * (a fresh network namespace, where unshare is allowed), a clean environment, and a time limit
 * kept twice — by us (the whole process group is killed) and by `timeout`, which kills the group
 * even if this thread is terminated meanwhile. The work directory (profile, input link, output)
 * is removed however the conversion ends; if this thread is terminated first, the extraction pool
 * kills the group recorded there and removes it (./work-folders.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LibreOfficeRuntime } from '../ports/extractor.js';
import { Failure } from '../ports/failures.js';
import { recordProcessGroup } from './work-folders.js';

/** Names of work directories, so leftovers can be told (tests look for them). */
export const WORK_DIR_PREFIX = 'quire-soffice-';
const MAX_STDERR_CHARS = 2000;

let networkIsolation: boolean | undefined;

/** Whether `unshare --net` works here (root, or user namespaces allowed); probed once. */
function canIsolateNetwork(): boolean {
  networkIsolation ??=
    existsSync('/usr/bin/unshare') &&
    spawnSync('/usr/bin/unshare', ['--net', '--map-root-user', '--', 'true'], { timeout: 5000 })
      .status === 0;
  return networkIsolation;
}

function command(runtime: LibreOfficeRuntime, args: string[]): [string, string[]] {
  const seconds = Math.max(1, Math.ceil(runtime.timeoutMs / 1000)) + 5;
  const soffice = [runtime.path, ...args];
  const isolated = canIsolateNetwork()
    ? ['/usr/bin/unshare', '--net', '--map-root-user', '--', ...soffice]
    : soffice;
  const limited = existsSync('/usr/bin/prlimit')
    ? ['/usr/bin/prlimit', `--as=${runtime.memoryMb * 1024 * 1024}`, '--', ...isolated]
    : isolated;
  return ['timeout', ['--signal=KILL', String(seconds), ...limited]];
}

export interface Converted {
  /** The converted file, inside `workDir`. */
  path: string;
  /** Removes the work directory. */
  release(): Promise<void>;
}

/**
 * Converts `inputPath` (named with `extension` for LibreOffice's filter detection) to `target`
 * (a --convert-to filter spec such as `docx` or `pdf`). Throws UNPROCESSABLE_DOCUMENT when
 * LibreOffice fails, produces nothing or overruns its time.
 */
export async function convertWithLibreOffice(
  runtime: LibreOfficeRuntime,
  inputPath: string,
  extension: string,
  target: string,
): Promise<Converted> {
  const workDir = await mkdtemp(join(runtime.workRoot ?? tmpdir(), WORK_DIR_PREFIX));
  const release = () => rm(workDir, { recursive: true, force: true });
  try {
    const input = join(workDir, `input${extension}`);
    const outDir = join(workDir, 'out');
    await symlink(inputPath, input);
    const [file, args] = command(runtime, [
      `-env:UserInstallation=${pathToFileURL(join(workDir, 'profile')).href}`,
      '--headless',
      '--invisible',
      '--norestore',
      '--nologo',
      '--nodefault',
      '--nolockcheck',
      '--convert-to',
      target,
      '--outdir',
      outDir,
      input,
    ]);
    await run(file, args, workDir, runtime.timeoutMs);
    const produced = existsSync(outDir) ? await readdir(outDir) : [];
    const output = produced[0];
    if (output === undefined) {
      throw new Failure('UNPROCESSABLE_DOCUMENT', 'LibreOffice could not convert the document');
    }
    return { path: join(outDir, output), release };
  } catch (error) {
    await release();
    throw error;
  }
}

/** Runs the conversion in its own process group; kills the group when time runs out. */
function run(file: string, args: string[], cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      // Nothing of ours (keys, proxies, database URLs) reaches LibreOffice.
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: cwd, LANG: 'C.UTF-8' },
    });
    if (child.pid !== undefined) recordProcessGroup(cwd, child.pid);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < MAX_STDERR_CHARS) stderr += chunk;
    });
    let timedOut = false;
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new Failure('UNPROCESSABLE_DOCUMENT', `LibreOffice could not start: ${error.message}`),
      );
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      // Helpers LibreOffice left in the group go with it.
      killGroup();
      if (timedOut) {
        reject(
          new Failure(
            'UNPROCESSABLE_DOCUMENT',
            `LibreOffice did not convert the document within ${timeoutMs} ms`,
          ),
        );
      } else if (code !== 0) {
        reject(
          new Failure(
            'UNPROCESSABLE_DOCUMENT',
            `LibreOffice failed (exit ${code}): ${stderr.trim().slice(0, 300)}`,
          ),
        );
      } else {
        resolve();
      }
    });
  });
}
