/**
 * Extracted content as clients receive it: plain text with pages separated by form feeds (as
 * pdftotext does), Markdown with a comment marking each page, or JSON `{pages, metadata}` —
 * rendered page by page so a long document streams.
 */
import type { PageRecord } from '../ports/content-store.js';

export const CONTENT_FORMATS = ['text', 'markdown', 'json'] as const;
export type ContentFormat = (typeof CONTENT_FORMATS)[number];

export const CONTENT_TYPES: Record<ContentFormat, string> = {
  text: 'text/plain; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export async function* renderContent(
  format: ContentFormat,
  pages: AsyncIterable<PageRecord> | Iterable<PageRecord>,
  metadata: Record<string, unknown>,
  rewrite: (text: string) => string = (text) => text,
): AsyncGenerator<string> {
  let first = true;
  if (format === 'json') yield '{"pages":[';
  for await (const page of pages) {
    if (format === 'text') yield `${first ? '' : '\f'}${rewrite(page.text)}`;
    else if (format === 'markdown')
      yield `${first ? '' : '\n\n'}<!-- page ${page.number} -->\n\n${rewrite(page.markdown)}`;
    else
      yield `${first ? '' : ','}${JSON.stringify({ number: page.number, text: rewrite(page.text) })}`;
    first = false;
  }
  if (format === 'json') yield `],"metadata":${JSON.stringify(metadata)}}`;
  else if (format === 'text' || !first) yield '\n';
}
