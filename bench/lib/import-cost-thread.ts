/** The pool-thread side of import-cost.ts: loads the module it is given. */
import { createRequire } from 'node:module';

export default async function load(specifier: string): Promise<void> {
  try {
    // As the pool's threads load their entries: tsx's require hook handles a `.ts` file.
    createRequire(import.meta.url)(specifier);
  } catch {
    await import(specifier);
  }
}
