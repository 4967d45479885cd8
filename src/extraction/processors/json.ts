/**
 * JSON: parsed whole (files above MAX_JSON_BYTES are refused), after a scan that refuses
 * nesting deeper than MAX_DEPTH; then walked without recursion. Each scalar becomes a text line
 * "path: value" (`items[0].name: Ada`); each page's Markdown is a fenced json block holding
 * the pretty-printed lines of the values on that page, so text and Markdown pages match.
 */
import { readFile, stat } from 'node:fs/promises';
import { normalizeInline, PAGE_TARGET_CHARS, TextBudget } from '../text-pages.js';
import { detectBom } from '../text-decoding.js';
import {
  type ExtractedPage,
  type ExtractionResult,
  type ExtractionTask,
  type ProgressReporter,
} from '../../ports/extractor.js';
import { Failure } from '../../ports/failures.js';

export const MAX_JSON_BYTES = 256 * 1024 * 1024;
export const MAX_DEPTH = 1000;
/** Pretty-printing indents at most this many spaces, however deep the value. */
const MAX_INDENT = 80;

/** The deepest nesting of arrays and objects in `source` (strings skipped), stopping past `limit`. */
export function nestingDepth(source: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < source.length; index++) {
    const code = source.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b || code === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === 0x5d || code === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

function decode(bytes: Uint8Array): string {
  const bom = detectBom(bytes);
  try {
    return new TextDecoder(bom.encoding, { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(bom.length),
    );
  } catch {
    throw new Failure('DOCUMENT_CORRUPT', 'The JSON document is not valid UTF-8');
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isContainer = (value: Json): value is Json[] | { [key: string]: Json } =>
  typeof value === 'object' && value !== null;

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function display(value: Json): string {
  if (typeof value === 'string') return normalizeInline(value);
  if (Array.isArray(value)) return '[]';
  if (isContainer(value)) return '{}';
  return String(value);
}

interface Frame {
  array: Json[] | null;
  object: { [key: string]: Json } | null;
  /** The object's keys (null for an array). */
  keys: string[] | null;
  length: number;
  index: number;
  path: string;
  depth: number;
  close: string;
}

interface PageDraft {
  text: string[];
  pretty: string[];
  size: number;
}

class JsonPages {
  private readonly drafts: PageDraft[] = [];
  private current: PageDraft = { text: [], pretty: [], size: 0 };

  constructor(private readonly budget: TextBudget) {}

  structure(line: string): void {
    this.current.pretty.push(line);
  }

  /** Adds a value's lines; false once the budget is spent. */
  value(pretty: string, text: string): boolean {
    if (this.budget.exhausted) {
      this.budget.cut();
      return false;
    }
    if (this.current.size > 0 && this.current.size + text.length > PAGE_TARGET_CHARS) {
      this.drafts.push(this.current);
      this.current = { text: [], pretty: [], size: 0 };
    }
    if (this.current.text.length > 0) this.budget.spend(1);
    const kept = this.budget.take(text);
    this.current.text.push(kept);
    this.current.pretty.push(pretty);
    this.current.size += kept.length + 1;
    return kept.length === text.length;
  }

  finish(): ExtractedPage[] {
    const last = this.drafts.at(-1);
    if (this.current.text.length > 0 || last === undefined) this.drafts.push(this.current);
    else last.pretty.push(...this.current.pretty);
    return this.drafts
      .filter((draft) => draft.text.length > 0)
      .map((draft, index) => ({
        number: index + 1,
        text: draft.text.join('\n'),
        markdown: `\`\`\`json\n${draft.pretty.join('\n')}\n\`\`\``,
      }));
  }
}

const indent = (depth: number): string => ' '.repeat(Math.min(depth * 2, MAX_INDENT));

/** Walks `root` depth-first with an explicit stack, feeding `pages`. */
function walk(root: Json, pages: JsonPages): void {
  const open = (
    value: Json,
    path: string,
    depth: number,
    label: string,
    comma: string,
  ): Frame | null => {
    if (!isContainer(value)) return null;
    const array = Array.isArray(value) ? value : null;
    const object = array === null ? (value as { [key: string]: Json }) : null;
    const keys = object === null ? null : Object.keys(object);
    const length = array?.length ?? keys?.length ?? 0;
    // Empty containers are values: one line each.
    if (length === 0) return null;
    pages.structure(`${indent(depth)}${label}${array ? '[' : '{'}`);
    return {
      array,
      object,
      keys,
      length,
      index: 0,
      path,
      depth,
      close: `${indent(depth)}${array ? ']' : '}'}${comma}`,
    };
  };
  const rootFrame = open(root, '', 0, '', '');
  if (rootFrame === null) {
    pages.value(JSON.stringify(root), display(root));
    return;
  }
  const stack: Frame[] = [rootFrame];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.index >= frame.length) {
      pages.structure(frame.close);
      stack.pop();
      continue;
    }
    const index = frame.index++;
    const key: string | number = frame.keys === null ? index : (frame.keys[index] as string);
    const value = (frame.array === null ? frame.object?.[key] : frame.array[index]) ?? null;
    const label = typeof key === 'string' ? `${JSON.stringify(key)}: ` : '';
    const comma = frame.index < frame.length ? ',' : '';
    const path = childPath(frame.path, key);
    const child = open(value, path, frame.depth + 1, label, comma);
    if (child !== null) {
      stack.push(child);
      continue;
    }
    const pretty = `${indent(frame.depth + 1)}${label}${JSON.stringify(value)}${comma}`;
    if (!pages.value(pretty, `${path}: ${display(value)}`)) return;
  }
}

export async function extractJson(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  const { size } = await stat(task.path);
  if (size > MAX_JSON_BYTES) {
    throw new Failure(
      'PAYLOAD_TOO_LARGE',
      `JSON documents are parsed whole; this one is ${size} bytes, above ${MAX_JSON_BYTES}`,
    );
  }
  const source = decode(await readFile(task.path));
  if (nestingDepth(source, MAX_DEPTH) > MAX_DEPTH) {
    throw new Failure(
      'UNPROCESSABLE_DOCUMENT',
      `The JSON document nests deeper than ${MAX_DEPTH} levels`,
    );
  }
  let root: Json;
  try {
    root = JSON.parse(source) as Json;
  } catch (error) {
    throw new Failure(
      'DOCUMENT_CORRUPT',
      `Invalid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const budget = new TextBudget(task.limits.maxTextChars);
  const pages = new JsonPages(budget);
  walk(root, pages);
  const result = pages.finish();
  progress(result.length, result.length);
  return {
    pages: result,
    pageCount: result.length,
    metadata: {},
    needsOcr: false,
    truncated: budget.truncated,
  };
}
