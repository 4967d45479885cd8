/**
 * What the fetcher sends: the request of one hop (method, headers, body), its headers shaped from
 * the caller's: lower-cased, after our default User-Agent (a caller's wins), without those the
 * HTTP client sets itself or that mean nothing to forward.
 */

export interface OutgoingRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: string | undefined;
}

/** Set by the HTTP client itself, or meaningless to forward. */
const DROPPED_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'content-length',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);

export function outgoingHeaders(
  userAgent: string,
  callerHeaders: Record<string, string>,
): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': userAgent };
  for (const [name, value] of Object.entries(callerHeaders)) {
    const lower = name.toLowerCase();
    if (!DROPPED_HEADERS.has(lower)) headers[lower] = value;
  }
  return headers;
}
