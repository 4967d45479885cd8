/**
 * The path of a module that runs as a worker thread's entry: the `.ts` file when running from
 * source (tsx), else the `.js` beside it (the build). A worker needs a file path, not an import.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `url` names the `.ts` source, e.g. `new URL('./worker.ts', import.meta.url)`. */
export function moduleFile(url: URL): string {
  const source = fileURLToPath(url);
  return existsSync(source) ? source : source.replace(/\.ts$/, '.js');
}
