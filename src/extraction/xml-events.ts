/**
 * A linear, non-validating XML tokenizer for the parts of office and e-book packages: one pass
 * of one regular expression yields start tags, end tags and text, with names and attribute keys
 * reduced to their local part (`w:t` → `t`; the formats use fixed prefixes, but the prefix is
 * the author's choice). Entities are never expanded: only the five predefined ones and
 * character references are decoded, and a part that declares a DOCTYPE (where billion laughs
 * and external entities live; OOXML, ODF and OPF parts have none) is refused. Nothing here
 * recurses or keeps what it has yielded, so a consumer can stop early and memory stays at the
 * part's text.
 */
import { Failure } from '../ports/failures.js';

export type XmlEvent =
  | { kind: 'open'; name: string; raw: string; selfClosing: boolean }
  | { kind: 'close'; name: string }
  | { kind: 'text'; text: string };

/**
 * A comment, CDATA (group 1), a processing instruction, a DOCTYPE, or a tag: group 2 the `/` of
 * an end tag, 3 its name, 4 its attributes, 5 the `/` of a self-closed tag.
 */
const TOKEN =
  /<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/gi;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const REFERENCE = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

const localName = (name: string): string => name.slice(name.indexOf(':') + 1);

function codePoint(value: number): string {
  return Number.isInteger(value) && value > 0 && value <= 0x10ffff
    ? String.fromCodePoint(value)
    : '';
}

/** Text with its predefined entities and character references decoded (no others exist here). */
export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (_, hex?: string, decimal?: string, named?: string) => {
    if (hex !== undefined) return codePoint(Number.parseInt(hex, 16));
    if (decimal !== undefined) return codePoint(Number.parseInt(decimal, 10));
    return NAMED[named ?? ''] ?? '';
  });
}

/**
 * A start tag's attributes, values decoded, namespace declarations left out: each under its
 * written name (`r:id`), and a prefixed one also under its local name (`id`) unless an
 * unprefixed attribute has that name (`<p:sldId id="256" r:id="rId2"/>`).
 */
export function attributesOf(raw: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  const unprefixed = new Set<string>();
  ATTRIBUTE.lastIndex = 0;
  for (let match = ATTRIBUTE.exec(raw); match !== null; match = ATTRIBUTE.exec(raw)) {
    const name = match[1] ?? '';
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    const value = decodeXmlText(match[2] ?? match[3] ?? '');
    attributes[name] = value;
    const local = localName(name);
    if (local === name) unprefixed.add(name);
    else if (!unprefixed.has(local)) attributes[local] = value;
  }
  return attributes;
}

/** The events of `xml`; `part` names it in the failure a DOCTYPE raises. */
export function* xmlEvents(xml: string, part: string): Generator<XmlEvent> {
  const pattern = new RegExp(TOKEN.source, TOKEN.flags);
  let copiedTo = 0;
  for (let match = pattern.exec(xml); match !== null; match = pattern.exec(xml)) {
    if (match.index > copiedTo) {
      yield { kind: 'text', text: decodeXmlText(xml.slice(copiedTo, match.index)) };
    }
    copiedTo = match.index + match[0].length;
    const token = match[0];
    if (match[1] !== undefined) {
      if (match[1].length > 0) yield { kind: 'text', text: match[1] };
    } else if (token.length === 9 && token.toUpperCase() === '<!DOCTYPE') {
      throw new Failure(
        'DOCUMENT_CORRUPT',
        `${part} declares a DOCTYPE, which this format never has (entities are not expanded)`,
      );
    } else if (match[3] !== undefined) {
      const name = localName(match[3]);
      if (match[2] === '/') yield { kind: 'close', name };
      else yield { kind: 'open', name, raw: match[4] ?? '', selfClosing: match[5] === '/' };
    }
  }
  if (copiedTo < xml.length) yield { kind: 'text', text: decodeXmlText(xml.slice(copiedTo)) };
}
