/**
 * Where the built web console is. Its own module, importing nothing else of Quire: the CLI asks
 * it before the server's modules load (tracing must patch them first).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';

/**
 * The built web console's folder when it has an index.html: QUIRE_CONSOLE_DIR, else console/dist
 * at the installation's root (from src/composition/ or dist/composition/ alike); null otherwise.
 */
export function builtConsoleDir(config: Pick<Config, 'consoleDir'>): string | null {
  const dir = config.consoleDir ?? fileURLToPath(new URL('../../console/dist', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? dir : null;
}
