/**
 * A vector as stored (migration 0016): Float32, little-endian, whatever the host's byte order.
 */
import { endianness } from 'node:os';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

export function vectorBytes(vector: Float32Array): Buffer {
  const bytes = Buffer.alloc(vector.length * 4);
  if (LITTLE_ENDIAN_HOST) bytes.set(new Uint8Array(vector.buffer, vector.byteOffset, bytes.length));
  else vector.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes;
}

/** The vector in `bytes` (a view when it can be one, a copy otherwise). */
export function vectorOf(bytes: Uint8Array): Float32Array {
  const length = Math.floor(bytes.byteLength / 4);
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % 4 === 0)
    return new Float32Array(bytes.buffer, bytes.byteOffset, length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Float32Array(length);
  for (let i = 0; i < length; i++) vector[i] = view.getFloat32(i * 4, true);
  return vector;
}
