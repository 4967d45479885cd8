/**
 * One HTTP/1.1 request on its own TCP connection, written byte for byte as given (so a fuzzer can
 * send what node:http refuses to: bad percent-encoding, control characters, duplicate headers,
 * lying lengths), with a deadline. The answer is read until the server closes the connection,
 * or until its Content-Length / last chunk; an event stream is cut after its headers.
 */
import { connect } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

export interface RawRequest {
  host: string;
  port: number;
  method: string;
  /** The request target, sent as is. */
  path: string;
  /** Header lines, sent as is (arrays send the header once per value). */
  headers: Record<string, string | string[]>;
  body?: Buffer | string;
  timeoutMs: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text(): string;
  ms: number;
}

export class RequestTimeout extends Error {}

function decodeChunked(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) return Buffer.concat(parts);
    if (size === 0) return Buffer.concat(parts);
    if (lineEnd + 2 + size > data.length) return undefined;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

function decompress(body: Buffer, encoding: string | undefined): Buffer {
  try {
    if (encoding === 'gzip') return gunzipSync(body);
    if (encoding === 'br') return brotliDecompressSync(body);
    if (encoding === 'deflate') return inflateSync(body);
  } catch {
    return body;
  }
  return body;
}

export function rawRequest(request: RawRequest): Promise<RawResponse> {
  const started = performance.now();
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  let head = `${request.method} ${request.path} HTTP/1.1\r\nHost: ${request.host}:${request.port}\r\nConnection: close\r\n`;
  for (const [name, value] of Object.entries(request.headers))
    for (const each of Array.isArray(value) ? value : [value]) head += `${name}: ${each}\r\n`;
  if (
    body !== undefined &&
    !Object.keys(request.headers).some((h) => /^(content-length|transfer-encoding)$/i.test(h))
  )
    head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';

  return new Promise((resolve, reject) => {
    const socket = connect({ host: request.host, port: request.port });
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    let headerEnd = -1;
    let status = 0;
    let headers: Record<string, string> = {};
    const timer = setTimeout(() => {
      finish(new RequestTimeout(`no complete answer within ${request.timeoutMs} ms`));
    }, request.timeoutMs);

    const finish = (error?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (headerEnd < 0) {
        reject(error ?? new Error('connection closed before a response'));
        return;
      }
      const data = Buffer.concat(chunks);
      let payload: Buffer = data.subarray(headerEnd + 4);
      if (/chunked/i.test(headers['transfer-encoding'] ?? ''))
        payload = decodeChunked(payload) ?? payload;
      else if (headers['content-length'] !== undefined)
        payload = payload.subarray(0, Number(headers['content-length']));
      payload = decompress(payload, headers['content-encoding']);
      if (error instanceof RequestTimeout && !/event-stream/.test(headers['content-type'] ?? '')) {
        reject(error);
        return;
      }
      resolve({
        status,
        headers,
        body: payload,
        text: () => payload.toString('utf8'),
        ms: performance.now() - started,
      });
    };

    const complete = (): boolean => {
      const data = Buffer.concat(chunks);
      if (headerEnd < 0) {
        headerEnd = data.indexOf('\r\n\r\n');
        if (headerEnd < 0) return false;
        const lines = data.subarray(0, headerEnd).toString('latin1').split('\r\n');
        status = Number(lines[0]?.split(' ')[1] ?? 0);
        headers = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          if (colon > 0)
            headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
      }
      if (/event-stream/.test(headers['content-type'] ?? '')) return true;
      if (request.method === 'HEAD' || status === 204 || status === 304) return true;
      const payload = data.subarray(headerEnd + 4);
      if (headers['content-length'] !== undefined)
        return payload.length >= Number(headers['content-length']);
      if (/chunked/i.test(headers['transfer-encoding'] ?? ''))
        return (
          payload.includes('\r\n0\r\n\r\n') || payload.subarray(0, 5).toString() === '0\r\n\r\n'
        );
      return false;
    };

    socket.on('connect', () => {
      socket.write(head);
      // Not ended: a half-closed socket makes the server drop the request unanswered. The server
      // may answer (413, 400) and close before the body is all written: not an error.
      if (body !== undefined) socket.write(body);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received > 64 * 1024 * 1024) finish();
      else if (complete()) finish();
    });
    socket.on('end', () => {
      complete();
      finish();
    });
    socket.on('close', () => {
      complete();
      finish();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      complete();
      // A server that answers before reading the whole body and closes makes our write fail;
      // its answer may still be in flight: 'close' settles the request.
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') finish(error);
      else if (headerEnd < 0) setTimeout(() => finish(error), 200);
    });
  });
}
