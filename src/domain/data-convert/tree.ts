/**
 * The one tree model every format parses into and writes from (plain JS values): what a value is,
 * scalars inferred from untyped text, and the bounds check every parsed tree passes.
 */
import type { DataLimits } from './limits.js';
import { unprocessable } from './problems.js';

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const NUMBER_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A cell or XML text as a boolean or number when that is lossless; otherwise the string. */
export function inferScalar(text: string): string | number | boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text.length <= 24 && NUMBER_RE.test(text)) {
    const number = Number(text);
    if (Number.isFinite(number) && String(number) === text) return number;
  }
  return text;
}

/**
 * Depth and value count of a parsed tree, walked with an explicit stack (never recursion), before
 * anything recursive (serialisers) touches it. Shared subtrees (YAML aliases) count every time.
 */
export function checkTree(value: unknown, limits: DataLimits): void {
  const stack: [unknown, number][] = [[value, 1]];
  let nodes = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (++nodes > limits.maxNodes) {
      throw unprocessable(`The document has more than ${limits.maxNodes} values`);
    }
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limits.maxDepth) {
      throw unprocessable(`The document is nested deeper than ${limits.maxDepth} levels`);
    }
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) stack.push([child, depth + 1]);
  }
}
