/**
 * A PDF file from its objects' bodies: the header, each object numbered from 1, a correct xref
 * table and the trailer. Enough to write the warm-up PDF (warm-up-pdf.ts) and the tests' hand-made
 * ones (hostile files), without a PDF library.
 */

/** The trailer of a file of `objectCount` objects whose catalog is object 1. */
function plainTrailer(objectCount: number): string {
  return `<< /Size ${objectCount + 1} /Root 1 0 R >>`;
}

/** `trailer` gets the xref table's offset (a trailer may point at it, as a hostile one does). */
export function pdfFromObjects(
  objects: readonly string[],
  trailer: (xrefAt: number) => string = () => plainTrailer(objects.length),
): Buffer {
  // The comment of four bytes above 127 tells transfer tools the file is binary.
  let body = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n${trailer(xrefAt)}\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
