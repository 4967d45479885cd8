/**
 * A multipart/form-data body written by hand, so the file part can be streamed and its bytes
 * counted as they are read (fetch gives no upload progress). Where the platform cannot stream a
 * request body (most browsers), the same bytes go as one Blob and progress jumps to the end.
 */

/** The file to send: a Blob (or File), or a stream of bytes (sent once, never retried). */
export type FileSource = Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface UploadProgress {
  phase: 'upload';
  /** Bytes of the file read into the request so far. */
  loaded: number;
  /** The file's size, when known. */
  total: number | undefined;
}

export interface MultipartBody {
  contentType: string;
  /** Makes the body again (for a retry): undefined when the source can be read only once. */
  make: () => { body: BodyInit; streamed: boolean };
  replayable: boolean;
}

const encoder = new TextEncoder();

function quoted(value: string): string {
  return value.replace(/[\r\n"]/g, (c) => encodeURIComponent(c));
}

export function supportsRequestStreams(): boolean {
  try {
    let duplexRead = false;
    const request = new Request('http://localhost/', {
      method: 'POST',
      body: new ReadableStream(),
      get duplex() {
        duplexRead = true;
        return 'half';
      },
    } as RequestInit);
    return duplexRead && !request.headers.has('content-type');
  } catch {
    return false;
  }
}

export function multipartBody(
  fields: Record<string, string | undefined>,
  file: { name: string; source: FileSource; type?: string | undefined },
  onProgress?: (progress: UploadProgress) => void,
): MultipartBody {
  const boundary = `----quire${crypto.randomUUID().replace(/-/g, '')}`;
  let head = '';
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`;
  }
  const type = file.type || 'application/octet-stream';
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted(file.name)}"\r\nContent-Type: ${type}\r\n\r\n`;
  const headBytes = encoder.encode(head);
  const tailBytes = encoder.encode(`\r\n--${boundary}--\r\n`);
  const source = file.source;
  const total = source instanceof Blob ? source.size : undefined;
  const report = (loaded: number): void => onProgress?.({ phase: 'upload', loaded, total });
  const streams = supportsRequestStreams();

  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    replayable: source instanceof Blob,
    make() {
      if (!streams) {
        if (!(source instanceof Blob))
          throw new TypeError('this platform cannot stream a request body: pass a Blob or File');
        report(0);
        const body = new Blob([headBytes, source, tailBytes]);
        // No finer progress to be had here: the whole file is handed over at once.
        report(source.size);
        return { body, streamed: false };
      }
      let loaded = 0;
      const chunks = iterate(source);
      let stage: 'head' | 'file' | 'tail' | 'done' = 'head';
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (stage === 'head') {
            stage = 'file';
            report(0);
            controller.enqueue(headBytes);
            return;
          }
          if (stage === 'file') {
            const next = await chunks.next();
            if (!next.done) {
              loaded += next.value.byteLength;
              report(loaded);
              controller.enqueue(next.value);
              return;
            }
            stage = 'tail';
          }
          if (stage === 'tail') {
            stage = 'done';
            controller.enqueue(tailBytes);
            controller.close();
          }
        },
        async cancel(reason) {
          await chunks.return?.(reason);
        },
      });
      return { body, streamed: true };
    },
  };
}

async function* iterate(source: FileSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Blob) {
    yield* iterate(source.stream());
    return;
  }
  if (source instanceof ReadableStream) {
    const reader = source.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  for await (const chunk of source as AsyncIterable<Uint8Array>) yield chunk;
}
