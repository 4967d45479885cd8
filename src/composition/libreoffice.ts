/**
 * Finds the `soffice` binary legacy Office formats are converted with (QUIRE_SOFFICE): on PATH
 * for `auto`, none for `off`, else the path given, which must be an executable file.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../config.js';
import type { LibreOfficeRuntime } from '../ports/extractor.js';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, path: string | undefined): string | null {
  for (const folder of (path ?? '').split(delimiter)) {
    if (folder.length === 0 || !isAbsolute(folder)) continue;
    const candidate = join(folder, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** The LibreOffice runtime, or null when there is none; throws when a given path is unusable. */
export function findLibreOffice(
  config: Pick<Config, 'soffice' | 'sofficeTimeoutMs' | 'sofficeMemoryMb'>,
  path: string | undefined = process.env.PATH,
): LibreOfficeRuntime | null {
  const setting = config.soffice.trim();
  if (setting.toLowerCase() === 'off') return null;
  const binary = setting.toLowerCase() === 'auto' ? onPath('soffice', path) : resolve(setting);
  if (binary === null) return null;
  if (!isExecutableFile(binary)) {
    throw new Error(`QUIRE_SOFFICE: ${binary} is not an executable file`);
  }
  return { path: binary, timeoutMs: config.sofficeTimeoutMs, memoryMb: config.sofficeMemoryMb };
}
