/**
 * YAML 1.2 (core schema): flow depth and the concrete syntax tree are bounded before the
 * recursive composer runs, aliases are capped (alias bombs) and unknown tags refused.
 */
import { Composer, CST, Lexer, LineCounter, Parser, stringify as stringifyYaml } from 'yaml';
import type { DataLimits } from './limits.js';
import { at, unprocessable } from './problems.js';

/**
 * Flow nesting (`[[[[…`) is what crashes a recursive YAML composer. A count of brackets that
 * ignores quoting can only over-estimate it; when it says "maybe too deep", the YAML lexer gives
 * the exact flow depth, stopping as soon as the limit is crossed.
 */
function checkYamlFlowDepth(text: string, limits: DataLimits): void {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 91 || code === 123) deepest = Math.max(deepest, ++depth);
    else if ((code === 93 || code === 125) && depth > 0) depth--;
  }
  if (deepest <= limits.maxDepth) return;
  depth = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'flow-seq-start' || type === 'flow-map-start') {
      if (++depth > limits.maxDepth) {
        throw unprocessable(
          `The YAML is nested deeper than ${limits.maxDepth} levels (${at(text, offset)})`,
        );
      }
    } else if (type === 'flow-seq-end' || type === 'flow-map-end') depth--;
    offset += token.length;
  }
}

const CST_COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/** Collection depth and node count of the concrete syntax tree, with an explicit stack. */
function checkYamlCst(tokens: readonly CST.Token[], text: string, limits: DataLimits): void {
  const stack: [unknown, number][] = tokens.map((token) => [token, 0]);
  let nodes = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    let childDepth = depth;
    const type = (node as { type?: unknown }).type;
    if (typeof type === 'string') {
      if (++nodes > limits.maxNodes) {
        throw unprocessable(`The YAML has more than ${limits.maxNodes} values`);
      }
      if (CST_COLLECTIONS.has(type)) {
        childDepth = depth + 1;
        if (childDepth > limits.maxDepth) {
          const offset = (node as { offset?: number }).offset ?? 0;
          throw unprocessable(
            `The YAML is nested deeper than ${limits.maxDepth} levels (${at(text, offset)})`,
          );
        }
      }
    }
    for (const child of Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, childDepth]);
    }
  }
}

export function parseYaml(text: string, limits: DataLimits): unknown {
  checkYamlFlowDepth(text, limits);
  const lineCounter = new LineCounter();
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  checkYamlCst(tokens, text, limits);
  // YAML 1.2 core schema: no custom tags, no `<<` merge keys, duplicate keys are errors.
  const composer = new Composer({
    version: '1.2',
    schema: 'core',
    customTags: [],
    merge: false,
    uniqueKeys: true,
    strict: true,
    prettyErrors: false,
  });
  const documents = [...composer.compose(tokens, true, text.length)];
  if (documents.length > 1) {
    throw unprocessable(`The YAML holds ${documents.length} documents; send one`);
  }
  const document = documents[0];
  if (document === undefined) return null;
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem !== undefined) {
    const where = lineCounter.linePos(problem.pos[0]);
    throw unprocessable(
      `Invalid YAML at line ${where.line}, column ${where.col}: ${problem.message.split('\n', 1)[0]}`,
    );
  }
  try {
    return document.toJS({ maxAliasCount: limits.maxAliases }) as unknown;
  } catch (error) {
    if (error instanceof RangeError) {
      throw unprocessable('The YAML is nested too deeply or expands to too much data');
    }
    // "Excessive alias count indicates a resource exhaustion attack" and the like.
    throw unprocessable(`Invalid YAML: ${(error as Error).message}`);
  }
}

export function writeYaml(value: unknown): string {
  return stringifyYaml(value, { aliasDuplicateObjects: false, lineWidth: 0 });
}
