/**
 * mailparser as both e-mail readers use it (the e-mail processor and the attachment reader): the
 * same bounds on hostile structure, no work on what neither reads (HTML↔text conversion, link
 * detection, checksums), the file streamed in and a read error ending the parse.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import type { AttachmentStream, MailParser, MessageText } from 'mailparser';

/** More MIME parts than this is not a message a person wrote: refused. */
export const MAX_PARTS = 1000;
/** Headers of one MIME part beyond this are refused. */
export const MAX_HEAD_BYTES = 256 * 1024;

export interface MailParse {
  parser: MailParser;
  /** The message's parts in order: its text once, its attachments as they stream by. */
  parts: AsyncIterable<AttachmentStream | MessageText>;
  /** The file, piped into `parser` by the caller once its listeners are on; destroyed on failure. */
  input: ReadStream;
}

/** mailparser costs a few hundred ms to load: a worker loads it on its first e-mail. */
export async function parseMailFile(path: string): Promise<MailParse> {
  const { MailParser } = await import('mailparser');
  const parser = new MailParser({
    maxChildNodes: MAX_PARTS,
    maxHeadSize: MAX_HEAD_BYTES,
    checksumAlgo: false,
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
    skipTextLinks: true,
  });
  const input = createReadStream(path);
  input.once('error', (error) => parser.destroy(error));
  return { parser, parts: parser as AsyncIterable<AttachmentStream | MessageText>, input };
}
