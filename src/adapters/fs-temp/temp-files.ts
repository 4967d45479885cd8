/**
 * Temporary files under the data directory's `tmp/` (staged uploads, plaintext copies, conversion
 * scratch, probes) are named after the process that made them, `<kind>-<host>_<pidns>_<pid>-<uuid>.tmp`,
 * so that a process starting later can tell a file left by a dead process (kill -9, a crash,
 * power loss) from one another live process is still writing — several processes, even on
 * several hosts, may share one data directory.
 */
import { randomUUID } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

export type TempKind = 'stage' | 'probe' | 'plain' | 'convert';

/** The PID namespace: processes in other containers of one host have their own PIDs. */
function pidNamespace(): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '0';
  } catch {
    return '0';
  }
}

const HOST = hostname()
  .replace(/[^A-Za-z0-9.-]/g, '-')
  .slice(0, 64);
const NAMESPACE = pidNamespace();

/** A fresh temporary file name owned by this process. */
export function tempFileName(kind: TempKind): string {
  return `${kind}-${HOST}_${NAMESPACE}_${process.pid}-${randomUUID()}.tmp`;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** Ours, with an owner; older names (`<kind>-<uuid>.tmp`) have none and go by age only. */
const TEMP_NAME = new RegExp(
  `^(?:stage|probe|plain|convert)-(?:([A-Za-z0-9.-]*)_(\\d+)_(\\d+)-)?${UUID}\\.tmp$`,
);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process that made this file is known to be gone: only a process of this host and
 * PID namespace can be checked (a reused PID reads as alive: the file then waits for its age).
 */
function ownerIsDead(name: string): boolean {
  const match = TEMP_NAME.exec(name);
  if (match?.[3] === undefined) return false;
  if (match[1] !== HOST || match[2] !== NAMESPACE) return false;
  const pid = Number(match[3]);
  return pid !== process.pid && !isAlive(pid);
}

export interface SweepOptions {
  /** Files not modified for this long go whoever made them. */
  maxAgeMs: number;
  now?: number;
}

/**
 * Removes temporary files left behind in `dir`: those whose owner process is dead, and those not
 * written for `maxAgeMs` (longer than any upload, extraction or conversion may take). Files of
 * other names are left alone. Returns the names removed.
 */
export async function sweepStaleTempFiles(dir: string, options: SweepOptions): Promise<string[]> {
  const now = options.now ?? Date.now();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!TEMP_NAME.test(name)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info === null || !info.isFile()) continue;
    if (ownerIsDead(name) || now - info.mtimeMs > options.maxAgeMs) {
      await rm(path, { force: true });
      removed.push(name);
    }
  }
  return removed;
}
