/**
 * ODT (OpenDocument text): content.xml's body through odf-text.ts onto the HTML → Markdown
 * converter, as DOCX goes through mammoth's HTML: headings, lists, tables, emphasis, links, and
 * footnotes cited in the text and listed at the end. The package passes the zip-bomb checks
 * before any part is read (zip-package.ts). ODT has no pages of its own: they are cut at about
 * 3,000 characters on block boundaries. Metadata from meta.xml.
 */
import { element } from '../block-dom.js';
import { htmlToBlocks } from '../html-to-markdown.js';
import { OdfStyles, OdfText } from '../odf-text.js';
import { openDocumentMetadata } from '../package-metadata.js';
import { paginate } from '../text-pages.js';
import { childNamed, type XmlElement } from '../xml-tree.js';
import { ZipPackage } from '../zip-package.js';
import type { ExtractionResult, ExtractionTask, ProgressReporter } from '../../ports/extractor.js';
import { Failure } from '../../ports/failures.js';

/** `office:document-content/office:body/office:<kind>` of an OpenDocument content.xml. */
export function odfBody(content: XmlElement, kind: string, format: string): XmlElement {
  const root = childNamed(content, 'document-content');
  const body = root === undefined ? undefined : childNamed(root, 'body');
  const inner = body === undefined ? undefined : childNamed(body, kind);
  if (inner === undefined) {
    throw new Failure('DOCUMENT_CORRUPT', `Not an ${format}: content.xml has no office:${kind}`);
  }
  return inner;
}

export async function extractOdt(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  const parts = await ZipPackage.read(task, 'ODT', async (zip) => ({
    content: await zip.requireXml('content.xml'),
    styles: await zip.xml('styles.xml'),
    meta: await zip.xml('meta.xml'),
  }));
  const styles = new OdfStyles();
  styles.add(parts.content);
  styles.add(parts.styles);
  const reader = new OdfText(styles);
  const content = reader.blocks(odfBody(parts.content, 'text', 'ODT'));
  const notes = reader.notesList();
  if (notes !== null) content.push(notes);

  const { pages, truncated } = await paginate(
    htmlToBlocks(element('body', content)),
    task.limits.maxTextChars,
  );
  progress(pages.length, pages.length);
  return {
    pages,
    pageCount: pages.length,
    metadata: parts.meta === null ? {} : openDocumentMetadata(parts.meta),
    needsOcr: false,
    truncated,
  };
}
