/**
 * E-mail (RFC 822 / MIME) via mailparser, streamed: attachments are counted as they pass and
 * never kept, so memory follows the message's text, not its attachments. mailparser's own bounds
 * stop hostile structure early: at most MAX_PARTS MIME parts (which also bounds nesting) and
 * MAX_HEAD_BYTES of headers per part. The HTML body goes through the same HTML→Markdown path as
 * HTML documents; a text-only body becomes paragraphs. The first block names sender, recipients,
 * date and subject (so they are searchable); the headers are also the metadata, with the
 * attachments listed (name, type, size), not extracted.
 */
import type { AddressObject, Headers } from 'mailparser';
import type { parseHTML as ParseHtml } from 'linkedom';
import { htmlToBlocks, type DomNode } from '../html-to-markdown.js';
import { flattenDeepNesting } from '../html-nesting.js';
import { asDocument } from './html.js';
import { normalizeInline, normalizeText, paginate, type TextBlock } from '../text-pages.js';
import type {
  ExtractedAttachment,
  ExtractedEmail,
  ExtractedMetadata,
  ExtractionResult,
  ExtractionTask,
  ProgressReporter,
} from '../../ports/extractor.js';
import { Failure } from '../../ports/failures.js';
import { MAX_HEAD_BYTES, MAX_PARTS, parseMailFile } from '../mail-parser.js';

/** linkedom costs a few hundred ms to load: a worker loads it on its first e-mail. */
const loadParseHtml = async (): Promise<typeof ParseHtml> => (await import('linkedom')).parseHTML;

interface ParsedMessage {
  headers: Headers | null;
  /** The Date header as written. */
  rawDate: string | null;
  text: string | null;
  html: string | null;
  attachments: ExtractedAttachment[];
}

function addresses(value: AddressObject | AddressObject[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = normalizeInline(
    (Array.isArray(value) ? value : [value]).map((each) => each.text).join(', '),
  );
  return text.length > 0 ? text : undefined;
}

function headerText(headers: Headers, name: string): string | undefined {
  const value = headers.get(name);
  if (typeof value !== 'string') return undefined;
  const text = normalizeInline(value);
  return text.length > 0 ? text : undefined;
}

async function parseMessage(path: string): Promise<ParsedMessage> {
  const { parser, parts, input } = await parseMailFile(path);
  const message: ParsedMessage = {
    headers: null,
    rawDate: null,
    text: null,
    html: null,
    attachments: [],
  };
  parser.on('headers', (headers) => {
    message.headers = headers;
  });
  parser.on('headerLines', (lines) => {
    const line = lines.find((each) => each.key === 'date')?.line;
    message.rawDate = line === undefined ? null : line.replace(/^[^:]*:/, '').trim();
  });
  try {
    input.pipe(parser);
    for await (const data of parts) {
      if (data.type === 'text') {
        message.text = typeof data.text === 'string' ? data.text : null;
        message.html = typeof data.html === 'string' ? data.html : null;
        continue;
      }
      // An attachment: counted as it streams by (nothing kept), then released so parsing goes on.
      let size = 0;
      for await (const chunk of data.content as AsyncIterable<Buffer>) size += chunk.length;
      data.release?.();
      // At most MAX_PARTS of them: the list is bounded by the parser's part limit.
      message.attachments.push({
        filename: data.filename ?? null,
        media_type: data.contentType,
        size_bytes: size,
      });
    }
  } catch (error) {
    input.destroy();
    const reason = error instanceof Error ? error.message : String(error);
    if (/child nodes|header size/i.test(reason)) {
      throw new Failure(
        'UNPROCESSABLE_DOCUMENT',
        `The e-mail is over its bounds (${MAX_PARTS} MIME parts, ${MAX_HEAD_BYTES} bytes of headers per part): ${reason}`,
      );
    }
    throw new Failure('DOCUMENT_CORRUPT', `The e-mail could not be read: ${reason}`);
  }
  return message;
}

function emailHeaders(headers: Headers | null, rawDate: string | null): ExtractedEmail {
  if (headers === null) return {};
  const email: ExtractedEmail = {};
  const from = addresses(headers.get('from') as AddressObject | undefined);
  const to = addresses(headers.get('to') as AddressObject | AddressObject[] | undefined);
  const cc = addresses(headers.get('cc') as AddressObject | AddressObject[] | undefined);
  const date = headers.get('date');
  const messageId = headerText(headers, 'message-id');
  if (from !== undefined) email.from = from;
  if (to !== undefined) email.to = to;
  if (cc !== undefined) email.cc = cc;
  // mailparser answers "now" for a date it cannot parse: only a header that parses is kept.
  if (date instanceof Date && rawDate !== null && Number.isFinite(Date.parse(rawDate)))
    email.date = date.toISOString();
  if (messageId !== undefined) email.message_id = messageId;
  return email;
}

/** The sender, recipients, date and subject as the message's first block. */
function headerBlock(email: ExtractedEmail, subject: string | undefined): TextBlock | null {
  const lines: [string, string | undefined][] = [
    ['From', email.from],
    ['To', email.to],
    ['Cc', email.cc],
    ['Date', email.date],
    ['Subject', subject],
  ];
  const present = lines.filter((line): line is [string, string] => line[1] !== undefined);
  if (present.length === 0) return null;
  return {
    text: present.map(([name, value]) => `${name}: ${value}`).join('\n'),
    markdown: present.map(([name, value]) => `**${name}:** ${value}`).join('  \n'),
  };
}

async function* bodyBlocks(message: ParsedMessage): AsyncGenerator<TextBlock> {
  if (message.html !== null) {
    const parseHTML = await loadParseHtml();
    const { html } = flattenDeepNesting(message.html);
    const { document } = parseHTML(asDocument(html)) as {
      document: { body: DomNode | null; documentElement: DomNode | null };
    };
    const root = document.body ?? document.documentElement;
    if (root !== null) yield* htmlToBlocks(root);
    return;
  }
  for (const paragraph of normalizeText(message.text ?? '').split('\n\n')) {
    if (paragraph.length > 0) yield { text: paragraph, markdown: paragraph };
  }
}

export async function extractEml(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  const message = await parseMessage(task.path);
  if (message.headers === null) throw new Failure('DOCUMENT_CORRUPT', 'Not an e-mail: no headers');
  const email = emailHeaders(message.headers, message.rawDate);
  const subject = headerText(message.headers, 'subject');

  const header = headerBlock(email, subject);
  const { pages, truncated } = await paginate(
    bodyBlocks(message),
    task.limits.maxTextChars,
    header === null ? [] : [header],
  );

  const metadata: ExtractedMetadata = { email, attachments: message.attachments };
  if (subject !== undefined) metadata.title = subject;
  if (email.from !== undefined) metadata.author = email.from;
  if (email.date !== undefined) metadata.created = email.date;
  progress(pages.length, pages.length);
  return { pages, pageCount: pages.length, metadata, needsOcr: false, truncated };
}
