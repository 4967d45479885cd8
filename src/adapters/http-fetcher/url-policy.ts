/**
 * The checks a URL can pass or fail without DNS or a connection: http/https only, no
 * credentials in the URL, and a literal IP host must be a public address (WHATWG URL parsing
 * has already turned `0x7f000001`, `2130706433`, `127.1` and `[::ffff:127.0.0.1]` into
 * canonical literals). Host names are judged later, at connect time, by the guarded connector.
 */
import { FetchError } from '../../ports/fetcher.js';
import { forbiddenReason, ipLiteral } from './address-policy.js';
import { effectivePort, type AllowHosts } from './allow-hosts.js';

function notAllowed(message: string): FetchError {
  return new FetchError('not_allowed', message, false);
}

/** Returns the parsed URL, or throws FetchError('not_allowed'). */
export function checkUrl(input: string | URL, allowHosts: AllowHosts): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw notAllowed('not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw notAllowed(
      `scheme ${url.protocol.replace(/:$/, '')} is not allowed (http or https only)`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw notAllowed('URLs with credentials are not allowed');
  }
  if (allowHosts.exempts(url.hostname, effectivePort(url.protocol, url.port))) return url;
  const ip = ipLiteral(url.hostname);
  if (ip !== undefined) {
    const reason = forbiddenReason(ip);
    if (reason !== undefined) throw notAllowed(`address ${ip} is not allowed (${reason})`);
  }
  return url;
}
