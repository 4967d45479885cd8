/**
 * Data conversion between CSV, JSON, YAML and XML, with no Fastify imports. Every format is
 * parsed into one tree model (CSV: an array of records keyed by the header row; JSON, YAML and
 * XML: the same plain JS value) and written from it.
 *
 * Hostile input is bounded before the expensive step: a depth cap (100) and a value-count cap
 * (1,000,000) are checked without recursion before anything recursive runs, XML with a DOCTYPE is
 * refused before parsing (so no entity is ever declared, expanded or fetched: billion laughs and
 * XXE fail at once), YAML aliases are capped (alias bombs) and unknown tags refused. Bad syntax is
 * a 422 UNPROCESSABLE_DOCUMENT with the line and column when the parser gives them.
 *
 * Parsing a large YAML or XML document costs seconds of CPU, so conversions run on a worker
 * thread (src/threads/data-convert.ts, behind the DataConverter port) and never on the event loop.
 */
import { parse as parseCsvSync } from 'csv-parse/sync';
import { stringify as stringifyCsvSync } from 'csv-stringify/sync';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { Composer, CST, Lexer, LineCounter, Parser, stringify as stringifyYaml } from 'yaml';
import { AppError } from '../errors.js';
import type { DataFormat } from '../ports/data-converter.js';

/** Request media types (lowercase essence) and the format each one carries. */
export const DATA_INPUT_TYPES: Readonly<Record<string, DataFormat>> = {
  'application/json': 'json',
  'text/csv': 'csv',
  'application/yaml': 'yaml',
  'text/yaml': 'yaml',
  'application/x-yaml': 'yaml',
  'application/xml': 'xml',
  'text/xml': 'xml',
};

/** The Content-Type of each output format. */
export const DATA_OUTPUT_TYPES: Readonly<Record<DataFormat, string>> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  yaml: 'application/yaml; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
};

const MiB = 1024 * 1024;

/**
 * Largest input per format, in bytes. YAML parses at roughly 2 s/MiB and XML at 0.5 s/MiB on a
 * small server (JSON and CSV at a few ms/MiB), so their caps are lower to keep one conversion
 * within seconds of one worker thread.
 */
export const DATA_MAX_INPUT_BYTES: Readonly<Record<DataFormat, number>> = {
  json: 10 * MiB,
  csv: 10 * MiB,
  xml: 10 * MiB,
  yaml: 2 * MiB,
};

/** Longest output, in UTF-16 code units (about bytes for data): aliases and markup can grow it. */
export const DATA_MAX_OUTPUT_CHARS = 64 * MiB;

export interface DataLimits {
  /** Deepest nesting of arrays/objects (elements for XML). */
  maxDepth: number;
  /** Most values (containers and scalars, CSV cells, XML markup) in one document. */
  maxNodes: number;
  /** Most aliases a YAML document may resolve (alias bombs). */
  maxAliases: number;
}

export const DATA_LIMITS: DataLimits = { maxDepth: 100, maxNodes: 1_000_000, maxAliases: 100 };

export interface ConvertOptions {
  /**
   * CSV cells and XML text carry no types: when true, `true`/`false` and numbers that read back
   * exactly (`42`, `-1.5`, not `007`, `1.50` or `1e5`) become booleans and numbers.
   */
  inferTypes: boolean;
  limits?: DataLimits;
}

const ATTRIBUTE_PREFIX = '@';
const TEXT_KEY = '#text';

/** Details quote parser messages, which can quote the input: they are kept short. */
const MAX_DETAIL_LENGTH = 300;

function unprocessable(detail: string): AppError {
  const short =
    detail.length > MAX_DETAIL_LENGTH ? `${detail.slice(0, MAX_DETAIL_LENGTH - 1)}…` : detail;
  return new AppError('UNPROCESSABLE_DOCUMENT', short);
}

/** 1-based line and column of a UTF-16 offset. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function at(text: string, offset: number): string {
  const { line, column } = position(text, offset);
  return `line ${line}, column ${column}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
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

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

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

function parseJson(text: string, limits: DataLimits): unknown {
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

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

function parseCsv(text: string, limits: DataLimits, inferTypes: boolean): unknown {
  let cells = 0;
  let rows: string[][];
  try {
    rows = parseCsvSync(text, {
      bom: true,
      skip_empty_lines: true,
      max_record_size: MiB,
      on_record: (record: string[]) => {
        cells += record.length + 1;
        if (cells > limits.maxNodes) {
          throw unprocessable(`The CSV has more than ${limits.maxNodes} cells`);
        }
        return record;
      },
    }) as string[][];
  } catch (error) {
    if (error instanceof AppError) throw error;
    const cause = (error as Error).cause;
    if (cause instanceof AppError) throw cause;
    throw unprocessable(`Invalid CSV: ${(error as Error).message}`);
  }
  const [header, ...records] = rows;
  if (header === undefined) return [];
  const names = header.map((name, index) => (name.trim() === '' ? `column_${index + 1}` : name));
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw unprocessable(`The CSV header names the column "${name}" twice`);
    seen.add(name);
  }
  // Object.fromEntries defines own properties: a "__proto__" column is just a column.
  return records.map((record) =>
    Object.fromEntries(
      names.map((name, index) => {
        const cell = record[index] ?? '';
        return [name, inferTypes ? inferScalar(cell) : cell];
      }),
    ),
  );
}

/**
 * The rows a value gives as CSV: an array of objects; an object wrapping one (through single
 * keys, as XML turns a table into {"rows": {"row": [...]}}); or one object as a single row.
 */
function tableOf(value: unknown): Record<string, unknown>[] {
  let table: unknown = value;
  let current = value;
  for (let hops = 0; isRecord(current) && hops < DATA_LIMITS.maxDepth; hops++) {
    const keys = Object.keys(current);
    current = keys.length === 1 ? current[keys[0] ?? ''] : undefined;
    if (Array.isArray(current)) table = current;
  }
  if (isRecord(table)) table = [table];
  if (!Array.isArray(table)) {
    throw unprocessable(`CSV needs an array of objects, not ${typeName(value)}`);
  }
  return table.map((row: unknown, index) => {
    if (!isRecord(row)) {
      throw unprocessable(`CSV needs an array of objects; item ${index} is ${typeName(row)}`);
    }
    return row;
  });
}

function cellOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function writeCsv(value: unknown): string {
  const rows = tableOf(value);
  const columns = new Map<string, number>();
  for (const row of rows) {
    for (const key of Object.keys(row)) if (!columns.has(key)) columns.set(key, columns.size);
  }
  if (columns.size === 0) return '';
  const names = [...columns.keys()];
  const records = rows.map((row) =>
    names.map((name) => (Object.hasOwn(row, name) ? cellOf(row[name]) : '')),
  );
  return stringifyCsvSync([names, ...records], { eof: true });
}

// ---------------------------------------------------------------------------------------------
// YAML
// ---------------------------------------------------------------------------------------------

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

function parseYaml(text: string, limits: DataLimits): unknown {
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

function writeYaml(value: unknown): string {
  return stringifyYaml(value, { aliasDuplicateObjects: false, lineWidth: 0 });
}

// ---------------------------------------------------------------------------------------------
// XML
// ---------------------------------------------------------------------------------------------

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};

/**
 * The five predefined entities and character references, in one pass. Nothing else is an
 * entity here (no DTD is ever read), so `&name;` of any other name stays as written.
 */
export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    /&(?:#(\d{1,7})|#x([0-9A-Fa-f]{1,6})|(lt|gt|amp|quot|apos));/g,
    (whole, decimal: string | undefined, hex: string | undefined, name: string | undefined) => {
      if (name !== undefined) return PREDEFINED_ENTITIES[name] ?? whole;
      const code = decimal !== undefined ? Number(decimal) : Number.parseInt(hex ?? '', 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    },
  );
}

function xmlParser(limits: DataLimits, inferTypes: boolean): XMLParser {
  const value = (_name: string, raw: string): unknown => {
    const decoded = decodeXmlText(raw);
    return inferTypes ? inferScalar(decoded) : decoded;
  };
  return new XMLParser({
    processEntities: false,
    htmlEntities: false,
    ignoreAttributes: false,
    attributeNamePrefix: ATTRIBUTE_PREFIX,
    textNodeName: TEXT_KEY,
    ignoreDeclaration: true,
    ignorePiTags: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    maxNestedTags: limits.maxDepth,
    tagValueProcessor: value,
    attributeValueProcessor: value,
  });
}

function parseXml(text: string, limits: DataLimits, inferTypes: boolean): unknown {
  // Refused before any parsing: with no DTD there is no entity to expand (billion laughs) or to
  // fetch (XXE), whatever a parser option says.
  const doctype = text.indexOf('<!DOCTYPE');
  if (doctype !== -1 || text.includes('<!ENTITY')) {
    const where = doctype === -1 ? '' : ` (${at(text, doctype)})`;
    throw unprocessable(
      `XML with a DOCTYPE or entity declarations is refused: DTDs are not processed${where}`,
    );
  }
  let markup = 0;
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i + 1)) {
    if (++markup > limits.maxNodes) {
      throw unprocessable(`The XML has more than ${limits.maxNodes} elements`);
    }
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw unprocessable(
      `Invalid XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
    );
  }
  try {
    return xmlParser(limits, inferTypes).parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message;
    if (/nested/i.test(message)) {
      throw unprocessable(`The XML is nested deeper than ${limits.maxDepth} levels`);
    }
    throw unprocessable(`Invalid XML: ${message}`);
  }
}

/** Characters XML 1.0 cannot carry, even escaped. */
const NOT_XML_CHARACTER =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/; // eslint-disable-line no-control-regex

/** A key as an XML name: invalid characters become `_`, and a name starts with a letter or `_`. */
export function xmlName(key: string): string {
  const name = key.replace(/[^\p{L}\p{N}._-]/gu, '_');
  return /^[\p{L}_]/u.test(name) ? name : `_${name}`;
}

function xmlScalar(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  if (NOT_XML_CHARACTER.test(text)) {
    throw unprocessable('The data holds control characters that XML 1.0 cannot represent');
  }
  return text;
}

/**
 * The tree in the shape XMLBuilder writes: keys made valid element names, `@name` keys with a
 * scalar value kept as attributes and `#text` as text, arrays inside arrays wrapped in `<item>`.
 */
function toXmlTree(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => (Array.isArray(item) ? { item: toXmlTree(item) } : toXmlTree(item)));
  }
  if (!isRecord(value)) return xmlScalar(value);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const scalar = typeof child !== 'object' || child === null;
    let name: string;
    if (key === TEXT_KEY && scalar) name = TEXT_KEY;
    else if (key.startsWith(ATTRIBUTE_PREFIX) && key.length > 1 && scalar)
      name = ATTRIBUTE_PREFIX + xmlName(key.slice(1));
    else name = xmlName(key);
    const converted = toXmlTree(child);
    const existing = out[name];
    // Two keys that map to the same element name become repeated elements.
    if (existing === undefined) out[name] = converted;
    else out[name] = [...(Array.isArray(existing) ? existing : [existing]), converted];
  }
  return out;
}

function writeXml(value: unknown): string {
  let root = 'root';
  let content: unknown = value;
  if (isRecord(value)) {
    const keys = Object.keys(value);
    const only = keys[0];
    if (
      keys.length === 1 &&
      only !== undefined &&
      !only.startsWith(ATTRIBUTE_PREFIX) &&
      only !== TEXT_KEY &&
      !Array.isArray(value[only])
    ) {
      root = xmlName(only);
      content = value[only];
    }
  }
  if (Array.isArray(content)) content = { item: content };
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: ATTRIBUTE_PREFIX,
    textNodeName: TEXT_KEY,
    format: true,
    indentBy: '  ',
    suppressEmptyNode: false,
    suppressBooleanAttributes: false,
    processEntities: true,
  });
  const body = builder.build({ [root]: toXmlTree(content) }) as string;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body.endsWith('\n') ? body : `${body}\n`}`;
}

// ---------------------------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------------------------

export function parseData(text: string, format: DataFormat, options: ConvertOptions): unknown {
  const limits = options.limits ?? DATA_LIMITS;
  let value: unknown;
  switch (format) {
    case 'json':
      value = parseJson(text, limits);
      break;
    case 'csv':
      value = parseCsv(text, limits, options.inferTypes);
      break;
    case 'yaml':
      value = parseYaml(text, limits);
      break;
    case 'xml':
      value = parseXml(text, limits, options.inferTypes);
      break;
  }
  checkTree(value, limits);
  return value;
}

/** Writes a tree that passed checkTree (bounded depth: the recursive writers are safe). */
export function serializeData(value: unknown, format: DataFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(value, null, 2) ?? 'null'}\n`;
    case 'csv':
      return writeCsv(value);
    case 'yaml':
      return writeYaml(value);
    case 'xml':
      return writeXml(value);
  }
}

export function convertData(
  text: string,
  from: DataFormat,
  to: DataFormat,
  options: ConvertOptions,
): string {
  const output = serializeData(parseData(text, from, options), to);
  if (output.length > DATA_MAX_OUTPUT_CHARS) {
    throw unprocessable(`The converted document would be over ${DATA_MAX_OUTPUT_CHARS / MiB} MiB`);
  }
  return output;
}
