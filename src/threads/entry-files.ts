/**
 * The files of the worker-thread entries in this folder, for the composition root to hand to the
 * pools that run them (a worker needs a file path, not an import).
 */
import { moduleFile } from '../shared/module-file.js';

export const THREAD_ENTRIES = {
  /** Lexical rerank and similarity scoring (LexicalScorer). */
  lexicalScoring: () => moduleFile(new URL('./lexical-scoring.ts', import.meta.url)),
  /** CSV/JSON/YAML/XML conversion (DataConverter). */
  dataConvert: () => moduleFile(new URL('./data-convert.ts', import.meta.url)),
} as const;
