/**
 * Work folders of extraction tasks that start child processes (LibreOffice), owned by the main
 * thread: a task's thread can be terminated (cancel, pool timeout) before its own cleanup runs,
 * so the pool gives each such task a folder, and removes it when the task settles — after killing
 * the process groups the thread recorded there. A folder is named after the Quire process that
 * made it, so a pool starting later removes those of processes that are gone.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TASK_FOLDER_PREFIX = 'quire-extract-';
const TASK_FOLDER = /^quire-extract-(\d+)-/;
/** Inside a conversion's own directory: the process group its child leads. */
const PROCESS_GROUP_FILE = 'process-group';

/** A new work folder for one task, named after this process. */
export function createTaskFolder(): Promise<string> {
  return mkdtemp(join(tmpdir(), `${TASK_FOLDER_PREFIX}${process.pid}-`));
}

/**
 * Records, in a conversion's directory (made inside a task folder), the process group its child
 * leads; written synchronously right after the spawn, so a terminated thread has written it.
 */
export function recordProcessGroup(conversionDir: string, groupId: number): void {
  writeFileSync(join(conversionDir, PROCESS_GROUP_FILE), String(groupId));
}

function killGroup(groupId: number): void {
  try {
    process.kill(-groupId, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Kills the process groups recorded in `folder`'s conversions, then removes the folder. */
export async function releaseTaskFolder(folder: string): Promise<void> {
  let entries: string[];
  try {
    entries = readdirSync(folder);
  } catch {
    return;
  }
  for (const entry of entries) {
    let recorded: string;
    try {
      recorded = readFileSync(join(folder, entry, PROCESS_GROUP_FILE), 'utf8');
    } catch {
      continue;
    }
    const groupId = Number.parseInt(recorded, 10);
    if (Number.isSafeInteger(groupId) && groupId > 1) killGroup(groupId);
  }
  await rm(folder, { recursive: true, force: true });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the task folders of Quire processes that no longer run (a crash or SIGKILL skipped
 * their cleanup; their conversions end by `timeout` at the latest). Returns how many it removed.
 */
export function sweepOrphanedTaskFolders(): number {
  let removed = 0;
  let entries: string[];
  try {
    entries = readdirSync(tmpdir());
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const owner = TASK_FOLDER.exec(entry)?.[1];
    if (owner === undefined) continue;
    const pid = Number(owner);
    if (pid === process.pid || isRunning(pid)) continue;
    rmSync(join(tmpdir(), entry), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
