/**
 * PDFium (WebAssembly, @embedpdf/pdfium): one module per worker thread, loaded on first use (its
 * compile takes 0.2–1 s) and reused by every later document on the thread. WebAssembly memory is
 * not capped by the worker's `resourceLimits` and never shrinks, so files larger than
 * PDFIUM_MAX_FILE_BYTES are not loaded into it (the caller reads them with pdf.js, whose heap the
 * cap does bound), and a module whose memory has grown past PDFIUM_RECYCLE_BYTES is dropped after
 * its document (the next document loads a fresh one; the old memory goes with the garbage).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { WrappedPdfiumModule } from '@embedpdf/pdfium';

export type Pdfium = WrappedPdfiumModule;

/** Larger PDFs are not copied into WebAssembly memory. */
export const PDFIUM_MAX_FILE_BYTES = 256 * 1024 * 1024;
/** A module whose memory grew past this is replaced after its document. */
const PDFIUM_RECYCLE_BYTES = 768 * 1024 * 1024;

let loading: Promise<Pdfium> | null = null;
/** Modules this thread has started loading (compiling): what a warm thread's documents skip. */
let loads = 0;

/** How many PDFium modules this thread has loaded: 1 once warm, more after a recycle. */
export function pdfiumLoads(): number {
  return loads;
}

async function loadPdfium(): Promise<Pdfium> {
  loads++;
  const { init } = await import('@embedpdf/pdfium');
  const wasm = await readFile(
    createRequire(import.meta.url).resolve('@embedpdf/pdfium/pdfium.wasm'),
  );
  // The package's option type is Emscripten's module, whose types it does not install.
  const options = { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.length) };
  const lib = await init(options as Parameters<typeof init>[0]);
  lib.PDFiumExt_Init();
  return lib;
}

/** This thread's PDFium module, loaded on first call. */
export function pdfium(): Promise<Pdfium> {
  loading ??= loadPdfium().catch((error: unknown) => {
    loading = null;
    throw error;
  });
  return loading;
}

/** Emscripten's views of the module's memory: read them after each call that may grow it. */
export function heapU8(lib: Pdfium): Uint8Array {
  return (lib.pdfium as unknown as { HEAPU8: Uint8Array }).HEAPU8;
}

export function heapF64(lib: Pdfium): Float64Array {
  return (lib.pdfium as unknown as { HEAPF64: Float64Array }).HEAPF64;
}

export function heapF32(lib: Pdfium): Float32Array {
  return (lib.pdfium as unknown as { HEAPF32: Float32Array }).HEAPF32;
}

export function heapI32(lib: Pdfium): Int32Array {
  return (lib.pdfium as unknown as { HEAP32: Int32Array }).HEAP32;
}

/** After a document: a module whose memory grew too large is let go. */
export function releaseIfGrown(lib: Pdfium): void {
  if (heapU8(lib).buffer.byteLength <= PDFIUM_RECYCLE_BYTES) return;
  loading = null;
  lib.FPDF_DestroyLibrary();
}

/** A UTF-16 string PDFium writes into a buffer of `bytes` bytes it asked for. */
export function readUtf16(lib: Pdfium, bytes: number, write: (pointer: number) => void): string {
  if (bytes <= 2) return '';
  const { malloc, free } = lib.pdfium.wasmExports;
  const pointer = malloc(bytes);
  try {
    write(pointer);
    return lib.pdfium.UTF16ToString(pointer);
  } finally {
    free(pointer);
  }
}
