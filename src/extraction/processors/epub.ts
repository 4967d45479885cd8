/**
 * EPUB (2 and 3): one page per spine item, in reading order (page N is the Nth item of the
 * spine), each XHTML chapter through the same path as an HTML document's body — nesting bounded
 * (html-nesting.ts), parsed by linkedom (which expands no DTD entities), converted by
 * html-to-markdown.ts — without readability, as a chapter has no boilerplate to drop. Metadata
 * from the package document's Dublin Core (title, creator, language, date, subject). A book
 * whose chapters are encrypted (DRM: META-INF/encryption.xml names them) is
 * DOCUMENT_ENCRYPTED; obfuscated fonts alone do not matter. The package passes the zip-bomb
 * checks first; the container and package documents go through the tokenizer, which refuses a
 * DOCTYPE there.
 */
import type { parseHTML as ParseHtml } from 'linkedom';
import { htmlToBlocks, type DomNode } from '../html-to-markdown.js';
import { flattenDeepNesting } from '../html-nesting.js';
import { opfMetadata } from '../package-metadata.js';
import { TextBudget } from '../text-pages.js';
import { checkPageCount, wholePage } from '../whole-pages.js';
import { childrenNamed, findAll, findFirst } from '../xml-tree.js';
import { resolvePartPath, ZipPackage } from '../zip-package.js';
import { asDocument } from './html.js';
import type {
  ExtractedMetadata,
  ExtractedPage,
  ExtractionResult,
  ExtractionTask,
  ProgressReporter,
} from '../../ports/extractor.js';
import { Failure } from '../../ports/failures.js';

const CHAPTER_TYPES = new Set(['application/xhtml+xml', 'text/html']);

/** linkedom costs ~0.4 s to load: a worker thread loads it on its first book. */
let parseHTML: typeof ParseHtml | undefined;

async function chapterBody(html: string): Promise<DomNode | null> {
  parseHTML ??= (await import('linkedom')).parseHTML;
  const { document } = parseHTML(asDocument(flattenDeepNesting(html).html)) as {
    document: { body: DomNode | null; documentElement: DomNode | null };
  };
  return document.body ?? document.documentElement;
}

export async function extractEpub(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  const budget = new TextBudget(task.limits.maxTextChars);
  return ZipPackage.read(task, 'EPUB', async (zip) => {
    const container = await zip.requireXml('META-INF/container.xml');
    const packagePath = findFirst(container, 'rootfile')?.attributes['full-path'];
    const opf = packagePath === undefined ? null : await zip.xml(resolvePartPath('', packagePath));
    if (packagePath === undefined || opf === null) {
      throw new Failure('DOCUMENT_CORRUPT', 'Not an EPUB: its container names no package document');
    }
    const opfPath = resolvePartPath('', packagePath);
    const manifest = new Map(
      findAll(opf, 'item').map((item) => [
        item.attributes.id ?? '',
        {
          path: resolvePartPath(opfPath, item.attributes.href ?? ''),
          type: item.attributes['media-type'] ?? '',
        },
      ]),
    );
    const spine = findFirst(opf, 'spine');
    const chapters = (spine === undefined ? [] : childrenNamed(spine, 'itemref'))
      .map((reference) => manifest.get(reference.attributes.idref ?? ''))
      .filter(
        (item): item is { path: string; type: string } =>
          item !== undefined && CHAPTER_TYPES.has(item.type),
      );
    checkPageCount(chapters.length, task.limits.maxPages, 'chapters');

    const encryption = await zip.xml('META-INF/encryption.xml');
    if (encryption !== null) {
      const encrypted = new Set(
        findAll(encryption, 'CipherReference').map((reference) =>
          resolvePartPath('', reference.attributes.URI ?? ''),
        ),
      );
      if (chapters.some((chapter) => encrypted.has(chapter.path))) {
        throw new Failure(
          'DOCUMENT_ENCRYPTED',
          'The EPUB is encrypted (DRM): its chapters cannot be read',
        );
      }
    }

    const pages: ExtractedPage[] = [];
    for (const [index, chapter] of chapters.entries()) {
      const html = await zip.text(chapter.path);
      const body = html === null ? null : await chapterBody(html);
      pages.push(wholePage(body === null ? [] : htmlToBlocks(body), index + 1, budget));
      progress(index + 1, chapters.length);
    }
    const metadataElement = findFirst(opf, 'metadata');
    const metadata: ExtractedMetadata =
      metadataElement === undefined ? {} : opfMetadata(metadataElement);
    progress(pages.length, pages.length);
    return {
      pages,
      pageCount: pages.length,
      metadata,
      needsOcr: false,
      truncated: budget.truncated,
    };
  });
}
