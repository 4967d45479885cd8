/**
 * DOCX via mammoth. The zip's central directory is checked first, without inflating anything:
 * declared uncompressed sizes above `maxUnzippedBytes` are a zip bomb (PAYLOAD_TOO_LARGE), and
 * a file that is not a zip or has no word/document.xml is DOCUMENT_CORRUPT. As declared sizes
 * can lie, every entry is then inflated as a stream and counted (nothing kept), stopping at the
 * same cap: mammoth, which holds whole parts in memory, only sees archives under it. mammoth then
 * converts to HTML (images are not read) and our converter makes Markdown and text blocks from
 * it, so each page's text and Markdown match. DOCX has no pages: they are cut at about 3,000
 * characters on paragraph boundaries. Metadata comes from docProps/core.xml.
 */
import type { parseHTML as ParseHtml } from 'linkedom';

/** mammoth and linkedom cost ~0.8 s to load: a worker thread loads them on its first DOCX. */
const loadMammoth = async () => (await import('mammoth')).default;
const loadParseHtml = async (): Promise<typeof ParseHtml> => (await import('linkedom')).parseHTML;
import { open, type FileHandle } from 'node:fs/promises';
import { htmlToBlocks, type DomNode } from '../html-to-markdown.js';
import { normalizeInline, paginate } from '../text-pages.js';
import {
  inflatedSizeWithin,
  readZipDirectory,
  readZipEntry,
  type ZipDirectory,
} from '../zip-directory.js';
import {
  type ExtractedMetadata,
  type ExtractionResult,
  type ExtractionTask,
  type ProgressReporter,
} from '../../ports/extractor.js';
import { Failure } from '../../ports/failures.js';

const MAIN_PART = 'word/document.xml';
const CORE_PROPERTIES = 'docProps/core.xml';
const MAX_CORE_BYTES = 1024 * 1024;

function decodeXmlText(text: string): string {
  return text
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/<[^>]*>/g, '')
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => codePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, decimal: string) => codePoint(Number.parseInt(decimal, 10)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function codePoint(value: number): string {
  return Number.isInteger(value) && value > 0 && value <= 0x10ffff
    ? String.fromCodePoint(value)
    : '';
}

/** The text of the first `<prefix:name>` element (any prefix), or undefined. */
function xmlField(xml: string, name: string): string | undefined {
  const match = new RegExp(
    `<(?:[\\w.-]+:)?${name}\\b[^>]*>([\\s\\S]*?)</(?:[\\w.-]+:)?${name}>`,
  ).exec(xml);
  if (match?.[1] === undefined) return undefined;
  const value = normalizeInline(decodeXmlText(match[1]));
  return value.length > 0 ? value : undefined;
}

/** Title, author, dates, … from docProps/core.xml (Dublin Core); {} when absent. */
export function parseCoreProperties(xml: string): ExtractedMetadata {
  const metadata: ExtractedMetadata = {};
  const title = xmlField(xml, 'title');
  const author = xmlField(xml, 'creator');
  const subject = xmlField(xml, 'subject');
  const keywords = xmlField(xml, 'keywords');
  const language = xmlField(xml, 'language');
  const created = xmlField(xml, 'created');
  if (title !== undefined) metadata.title = title;
  if (author !== undefined) metadata.author = author;
  if (subject !== undefined) metadata.subject = subject;
  if (keywords !== undefined) metadata.keywords = keywords;
  if (language !== undefined) metadata.language = language;
  if (created !== undefined) {
    const time = Date.parse(created);
    if (Number.isFinite(time)) metadata.created = new Date(time).toISOString();
  }
  return metadata;
}

async function checkArchive(handle: FileHandle, task: ExtractionTask): Promise<ZipDirectory> {
  const directory = await readZipDirectory(handle);
  const limit = task.limits.maxUnzippedBytes;
  if (directory.totalUncompressed > limit) {
    throw new Failure(
      'PAYLOAD_TOO_LARGE',
      `The DOCX unpacks to ${directory.totalUncompressed} bytes, above the ${limit}-byte limit`,
    );
  }
  if (!directory.entries.some((entry) => entry.name === MAIN_PART)) {
    throw new Failure('DOCUMENT_CORRUPT', `Not a DOCX: the zip has no ${MAIN_PART}`);
  }
  if ((await inflatedSizeWithin(task.path, handle, directory, limit)) === null) {
    throw new Failure(
      'PAYLOAD_TOO_LARGE',
      `The DOCX unpacks to more than the ${limit}-byte limit (its zip declares only ${directory.totalUncompressed})`,
    );
  }
  return directory;
}

async function readMetadata(
  handle: FileHandle,
  directory: ZipDirectory,
): Promise<ExtractedMetadata> {
  const entry = directory.entries.find((candidate) => candidate.name === CORE_PROPERTIES);
  if (entry === undefined) return {};
  const xml = await readZipEntry(handle, entry, MAX_CORE_BYTES);
  return xml === null ? {} : parseCoreProperties(xml.toString('utf8'));
}

async function convert(path: string): Promise<string> {
  const mammoth = await loadMammoth();
  try {
    const result = await mammoth.convertToHtml(
      { path },
      {
        // Images are left unread (no inflating, no base64 in memory): they carry no text.
        convertImage: mammoth.images.imgElement(async () => ({ src: '' })),
        externalFileAccess: false,
        ignoreEmptyParagraphs: true,
      },
    );
    return result.value;
  } catch (error) {
    throw new Failure(
      'DOCUMENT_CORRUPT',
      `The DOCX could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export async function extractDocx(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  const handle = await open(task.path, 'r');
  let metadata: ExtractedMetadata;
  try {
    const directory = await checkArchive(handle, task);
    metadata = await readMetadata(handle, directory);
  } finally {
    await handle.close();
  }

  const html = await convert(task.path);
  const parseHTML = await loadParseHtml();
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`) as {
    document: { body: DomNode };
  };
  const { pages, truncated } = await paginate(
    htmlToBlocks(document.body),
    task.limits.maxTextChars,
  );
  progress(pages.length, pages.length);
  return { pages, pageCount: pages.length, metadata, needsOcr: false, truncated };
}
