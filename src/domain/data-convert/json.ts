/**
 * JSON: parsed by V8 once a linear scan has bounded its depth and value count; written indented.
 */
import type { DataLimits } from './limits.js';
import { at, unprocessable } from './problems.js';

/** One pass over the text, outside strings: nesting depth and an upper bound of values. */
function scanJson(text: string, limits: DataLimits): void {
  let depth = 0;
  let values = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 92)
        i++; // backslash: skip the escaped character
      else if (code === 34) inString = false;
      continue;
    }
    if (code === 34) inString = true;
    else if (code === 91 || code === 123) {
      values++;
      if (++depth > limits.maxDepth) {
        throw unprocessable(
          `The JSON is nested deeper than ${limits.maxDepth} levels (${at(text, i)})`,
        );
      }
    } else if (code === 93 || code === 125) depth--;
    else if (code === 44 && ++values > limits.maxNodes) {
      throw unprocessable(`The JSON has more than ${limits.maxNodes} values`);
    }
  }
}

export function parseJson(text: string, limits: DataLimits): unknown {
  scanJson(text, limits);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message;
    const offset = /at position (\d+)/.exec(message);
    // V8 quotes the input in some messages; the detail keeps only the reason.
    const reason = message
      .replace(/, ".*" is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/ \(line \d+ column \d+\)$/, '');
    const where = offset === null ? '' : ` at ${at(text, Number(offset[1]))}`;
    throw unprocessable(`Invalid JSON${where}: ${reason}`);
  }
}

export function writeJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2) ?? 'null'}\n`;
}
