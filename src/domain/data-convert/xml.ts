/**
 * XML: a DOCTYPE is refused before parsing (so no entity is ever declared, expanded or fetched:
 * billion laughs and XXE fail at once); attributes become `@name` keys and text `#text`. Written
 * back under one root element, with keys made valid names.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { DataLimits } from './limits.js';
import { at, unprocessable } from './problems.js';
import { inferScalar, isRecord } from './tree.js';

const ATTRIBUTE_PREFIX = '@';
const TEXT_KEY = '#text';

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

export function parseXml(text: string, limits: DataLimits, inferTypes: boolean): unknown {
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

export function writeXml(value: unknown): string {
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
