/**
 * What the fetcher hands back: undici's headers flattened to one string each, and a fetched 2xx
 * response refused at once when it declares more than the caller takes, otherwise its body capped.
 * Also how an answer nobody reads is let go.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { FetchError, type FetchResponse } from '../../ports/fetcher.js';
import { capBody } from './capped-body.js';
import { toFetchError, type ClassifyContext } from './errors.js';

const ERROR_BODY_DRAIN_BYTES = 64 * 1024;

/** One header's value; repeated headers joined with `, `. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

export function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const value = headerValue(headers, name);
    if (value !== undefined) flat[name] = value;
  }
  return flat;
}

/** Reads a small unwanted body to keep the connection; a larger one is cut (socket closed). */
export function discardBody(body: Dispatcher.ResponseData['body']): void {
  body.dump({ limit: ERROR_BODY_DRAIN_BYTES }).catch(() => undefined);
}

/** The response of a fetch that reached `url`, its body capped at `maxBytes`. */
export function shapeResponse(
  data: Dispatcher.ResponseData,
  url: URL,
  maxBytes: number,
  context: ClassifyContext,
): FetchResponse {
  const declared = Number(headerValue(data.headers, 'content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    data.body.on('error', () => undefined).destroy(); // closes the socket: the body is not read
    throw new FetchError(
      'too_large',
      `${url.href} declares ${declared} bytes, more than ${maxBytes}`,
      false,
    );
  }
  return {
    status: data.statusCode,
    headers: flatHeaders(data.headers),
    url: url.href,
    body: capBody(data.body, maxBytes, url.href, (err) => toFetchError(err, context)),
  };
}
