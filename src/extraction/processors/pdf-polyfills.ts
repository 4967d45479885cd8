/**
 * What pdf.js (unpdf 1.7's build) calls that Node 20 lacks: `ArrayBuffer.prototype
 * .transferToFixedLength` (Node ≥ 21), used when a page's fonts are sent with its operator list.
 * Without it `getOperatorList()` fails on any page with text, which the ruling-line reader
 * (pdf-rulings.ts) needs. The polyfill copies instead of transferring (the source is left
 * intact, which is all the callers need). Imported for its effect by the PDF processor.
 */
interface Transferable {
  transferToFixedLength?: (this: ArrayBuffer, length?: number) => ArrayBuffer;
  transfer?: (this: ArrayBuffer, length?: number) => ArrayBuffer;
}

function copyTo(this: ArrayBuffer, length?: number): ArrayBuffer {
  const size = length ?? this.byteLength;
  const copy = new ArrayBuffer(size);
  new Uint8Array(copy).set(new Uint8Array(this, 0, Math.min(size, this.byteLength)));
  return copy;
}

const prototype = ArrayBuffer.prototype as ArrayBuffer & Transferable;
if (typeof prototype.transferToFixedLength !== 'function') {
  Object.defineProperty(prototype, 'transferToFixedLength', {
    value: copyTo,
    writable: true,
    configurable: true,
  });
}
if (typeof prototype.transfer !== 'function') {
  Object.defineProperty(prototype, 'transfer', {
    value: copyTo,
    writable: true,
    configurable: true,
  });
}
