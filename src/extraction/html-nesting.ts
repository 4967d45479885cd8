/**
 * Bounds the nesting of HTML before it is parsed: linkedom's tree building slows down with the
 * square of the depth (20,000 nested divs ~1 s, 50,000 ~7 s, 200,000 well over a minute), and
 * real pages are rarely deeper than a hundred. One linear pass over the source counts open
 * elements and drops the start and end tags that would nest deeper than the cap, keeping their
 * text: what is past the cap is read flat, as Chromium's parser also does past 512.
 *
 * The count is the parser's in the usual cases: void elements, self-closed tags and elements
 * whose end tag may be left out (p, li, td…, closed implicitly by their next sibling) do not
 * deepen it; comments, declarations and raw-text elements (script, style, textarea…) are
 * skipped whole. Markup that leaves other elements open makes the count high, which at worst
 * flattens some of its structure, never its text.
 */

/** Elements nested deeper than this are read flat. */
export const MAX_HTML_DEPTH = 1000;

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

/** End tags that may be omitted (the next sibling closes them), and the document's own. */
const OPTIONAL_END = new Set([
  'html',
  'head',
  'body',
  'p',
  'li',
  'dt',
  'dd',
  'tr',
  'td',
  'th',
  'thead',
  'tbody',
  'tfoot',
  'colgroup',
  'caption',
  'option',
  'optgroup',
  'rb',
  'rt',
  'rtc',
  'rp',
]);

const RAW_TEXT = new Set([
  'script',
  'style',
  'textarea',
  'title',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
]);

/**
 * A comment, a declaration or processing instruction, or a tag (quoted attribute values may
 * hold `>`). Groups: 1 `/` of an end tag, 2 the name, 3 `/` of a self-closed tag.
 */
const MARKUP =
  /<!--[\s\S]*?(?:-->|$)|<[!?][^>]*>?|<(\/?)([a-zA-Z][^\s/<>]*)(?:"[^"]*"|'[^']*'|[^'"<>])*?(\/?)>/g;

export interface Flattened {
  html: string;
  /** Start and end tags dropped; 0 when the document was within the cap (and returned as is). */
  dropped: number;
}

export function flattenDeepNesting(html: string, maxDepth = MAX_HTML_DEPTH): Flattened {
  const kept: string[] = [];
  let depth = 0;
  let copiedTo = 0;
  let dropped = 0;
  MARKUP.lastIndex = 0;
  for (let match = MARKUP.exec(html); match !== null; match = MARKUP.exec(html)) {
    const name = match[2]?.toLowerCase();
    if (name === undefined) continue;
    const closing = match[1] === '/';
    if (RAW_TEXT.has(name)) {
      // Skip to the element's end tag (which does not count either): its content is not markup.
      if (!closing) {
        const end = new RegExp(`</${name}`, 'gi');
        end.lastIndex = MARKUP.lastIndex;
        MARKUP.lastIndex = end.exec(html)?.index ?? html.length;
      }
      continue;
    }
    if (VOID.has(name) || OPTIONAL_END.has(name) || (!closing && match[3] === '/')) continue;
    const deep = closing ? depth > maxDepth : depth + 1 > maxDepth;
    depth = closing ? Math.max(0, depth - 1) : depth + 1;
    if (!deep) continue;
    kept.push(html.slice(copiedTo, match.index));
    copiedTo = match.index + match[0].length;
    dropped++;
  }
  if (dropped === 0) return { html, dropped };
  kept.push(html.slice(copiedTo));
  return { html: kept.join(''), dropped };
}
