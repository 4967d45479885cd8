/**
 * What every detector shares: the span it reports, its signature, the loop that runs its candidate
 * regex, and one context check two detectors (phones, cards) apply.
 *
 * Each detector's regex is written to run in linear time on any input: every one starts with a
 * lookbehind that refuses to start inside a run of the characters it consumes (so a long run is
 * attempted once, not once per position), repetitions are bounded, and no two adjacent quantified
 * parts can match the same characters (no ambiguous splits to backtrack through).
 */

/** UTF-16 code unit offsets into the text; `end` is exclusive. */
export interface Span {
  start: number;
  end: number;
}

/** Finds one type's spans; `now` (ms) is what a date of birth must lie before. */
export type Finder = (text: string, now: number) => Span[];

/** Runs a global `regex` over `text`, keeping the spans `accept` makes of its matches. */
export function scan(regex: RegExp, text: string, accept: (match: RegExpExecArray) => Span | null) {
  const spans: Span[] = [];
  regex.lastIndex = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    const span = accept(match);
    if (span !== null) spans.push(span);
    if (match[0].length === 0) regex.lastIndex++;
  }
  return spans;
}

/**
 * A 4-character block with a digit right before a candidate (`"90M7 0547 2885"`) makes the
 * candidate the tail of a longer grouped code (an IBAN with a bad checksum, a serial number).
 */
export function fragmentOfGroupedCode(text: string, start: number): boolean {
  if (start < 5 || text[start - 1] !== ' ') return false;
  const block = text.slice(start - 5, start - 1);
  const before = text[start - 6];
  return (
    /^[A-Z0-9]{4}$/.test(block) &&
    /\d/.test(block) &&
    (before === undefined || !/[A-Za-z0-9]/.test(before))
  );
}
