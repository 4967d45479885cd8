/**
 * What a blob file starts with. A file that begins with `MAGIC` is in one of Quire's framed
 * formats, named by the byte after it; any other file is the raw plaintext.
 *
 *   MAGIC (7 bytes, "QBLOB1\n") | format (1 byte) | format-specific rest
 *
 * - `FORMAT_PLAIN` (0): the plaintext follows at byte 8. Written only for plaintext that itself
 *   begins with `MAGIC`, so such content can never be mistaken for a framed file.
 * - `FORMAT_AES_GCM_CHUNKED` (1): encrypted at rest, see chunked-encryption.ts.
 */
export const MAGIC = Buffer.from('QBLOB1\n', 'latin1');

export const FORMAT_PLAIN = 0;
export const FORMAT_AES_GCM_CHUNKED = 1;

/** The framing written before plaintext that would otherwise look framed. */
export const PLAIN_HEADER = Buffer.concat([MAGIC, Buffer.from([FORMAT_PLAIN])]);

export function startsWithMagic(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.equals(bytes.subarray(0, MAGIC.length));
}
