/** The attachments of an e-mail (message/rfc822), read one at a time, streamed. */

export interface MessageAttachment {
  filename: string | null;
  /** As the message declares it (detection by content happens on ingest). */
  mediaType: string;
  /** The decoded bytes: read them, or not, before the next attachment comes. */
  content: AsyncIterable<Uint8Array>;
}

export interface MessageAttachments {
  /**
   * Reads the message at `path` and hands each of its first `max` attachments to `each`, in
   * order, awaiting it; the rest are skipped (still parsed past, never kept). Resolves with how
   * many attachments the message has; rejects with a Failure when the message cannot be read.
   */
  forEach(
    path: string,
    max: number,
    each: (attachment: MessageAttachment) => Promise<void>,
  ): Promise<number>;
}
