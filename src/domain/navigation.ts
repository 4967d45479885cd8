/**
 * Navigation pages — tables of contents, indexes, lists of figures or tables — are detected when
 * passages are made, so search can leave them out by default: they repeat every title of the
 * document next to a page number and would otherwise outrank the sections they point to.
 *
 * A page is navigation when most of its lines are entries: text followed by a page number, with
 * or without dot leaders ("11.2 Linear models . . . . 54", "lm, 54, 57"). A section is when its
 * title says so ("Table of Contents", "Index", "List of Figures"…).
 */

const NAVIGATION_TITLE =
  /^(?:(?:table\s+of\s+)?contents|index|(?:[a-z]+\s+)*index|list\s+of\s+(?:figures|tables|illustrations|listings)|indice|inhalt(?:sverzeichnis)?|table\s+des\s+mati[eè]res|sommaire)$/iu;

export function isNavigationTitle(title: string): boolean {
  return NAVIGATION_TITLE.test(title.trim().replace(/[.:]+$/u, ''));
}

/** A line that is an entry: it ends in a page number (a roman one too), after leaders or a comma. */
const ENTRY = /(?:\.\s*){3,}\s*[0-9ivxlc]+\s*$|[,\s]\s*[0-9]{1,4}(?:\s*[,–-]\s*[0-9]{1,4})*\s*$/iu;
const MIN_LINES = 6;

/**
 * Words before the page number, the section number aside: a row of a numeric table is no entry.
 */
function isWordy(line: string): boolean {
  const title = line
    .replace(/(?:\.\s*){3,}/gu, ' ')
    .replace(/[\s,]*[0-9ivxlc]+(?:\s*[,–-]\s*[0-9ivxlc]+)*\s*$/iu, '')
    .replace(/^(?:[0-9]+|[A-Z])(?:\.[0-9]+)*\.?\s+/u, '');
  const tokens = title.split(/\s+/u).filter((token) => token !== '');
  const numeric = tokens.filter((token) => /^[0-9.,–-]+$/u.test(token)).length;
  return /\p{L}{2}/u.test(title) && numeric * 2 <= tokens.length;
}

/** "11.2 Linear models . . . 54": a line pointing at a page. */
export function isNavigationEntry(line: string): boolean {
  return ENTRY.test(line) && isWordy(line);
}

export function isNavigationPage(text: string): boolean {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length < MIN_LINES) return false;
  const entries = lines.filter(isNavigationEntry).length;
  return entries / lines.length >= 0.6;
}
