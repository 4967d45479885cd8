/**
 * Durability helpers: a rename is only durable once the directory holding the new name is
 * fsync'd, and a new directory only once its parent is.
 */
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Some filesystems cannot fsync a directory; that is not a reason to fail a write. */
const UNSUPPORTED_DIR_SYNC = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EISDIR', 'EPERM']);

export async function fsyncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch (error) {
    if (!UNSUPPORTED_DIR_SYNC.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle.close();
  }
}

/**
 * `mkdir -p dir`, then fsyncs the parent of every directory it created (deepest first), so the
 * new directories survive a crash.
 */
export async function mkdirDurable(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true });
  if (firstCreated === undefined) return;
  const stop = dirname(firstCreated);
  for (let current = dirname(dir); ; current = dirname(current)) {
    await fsyncDirectory(current);
    if (current === stop || current === dirname(current)) break;
  }
}

/** Renames `from` (already fsync'd) to `to`, creating `to`'s directory, and fsyncs that directory. */
export async function renameDurable(from: string, to: string): Promise<void> {
  const dir = dirname(to);
  await mkdirDurable(dir);
  await rename(from, to);
  await fsyncDirectory(dir);
}

export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
