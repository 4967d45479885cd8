/**
 * The SSRF guard at connect time, as an undici `connect` function wrapping `buildConnector`.
 * Three checks, each before a byte of the request is written:
 *  1. an IP-literal host is checked before any socket is opened;
 *  2. a host name is resolved by a guarded `lookup` that checks EVERY address the resolver
 *     returns and fails the connection (before `connect()`) if any one is forbidden, so DNS
 *     answers that mix public and private addresses (rebinding) are refused too; the socket
 *     then connects to exactly the addresses that were checked;
 *  3. after connecting, the socket's actual remote address is checked again and the socket is
 *     destroyed if it is forbidden (belt and braces; for plain HTTP this runs on `connect`,
 *     before undici writes the request).
 * Hosts exempted by `allowHosts` skip all three (tests use it for their 127.0.0.1 upstream).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { forbiddenReason } from './address-policy.js';
import { effectivePort, type AllowHosts } from './allow-hosts.js';

/**
 * The connection was refused by the guard; nothing was sent. The message names a literal address
 * (the caller wrote it) but never what a host name resolved to; `address` and `reason` keep that
 * for logs.
 */
export class ForbiddenAddressError extends Error {
  readonly code = 'QUIRE_FORBIDDEN_ADDRESS';

  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(
      host === address
        ? `address ${address} is not allowed (${reason})`
        : // Never the address a name resolved to: the caller must not learn our network's layout.
          `${host} resolves to an address that is not allowed (SSRF guard)`,
    );
    this.name = 'ForbiddenAddressError';
  }
}

type Resolver = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolver: Resolver = (hostname, options, callback) =>
  dnsLookup(hostname, options, callback);

/** A `net.connect` lookup that refuses a name when any address it resolves to is forbidden. */
export function guardedLookup(resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) {
        callback(err, []);
        return;
      }
      for (const { address } of addresses) {
        const reason = forbiddenReason(address);
        if (reason !== undefined) {
          callback(new ForbiddenAddressError(hostname, address, reason), []);
          return;
        }
      }
      const first = addresses[0];
      if (options.all === true) callback(null, addresses);
      else if (first === undefined)
        callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      else callback(null, first.address, first.family);
    });
  };
}

export interface GuardedConnectorOptions {
  allowHosts: AllowHosts;
  connectTimeoutMs: number;
  /** Name resolution to guard (tests, custom resolvers); the system resolver by default. */
  resolve?: Resolver;
}

export function createGuardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const exempt = buildConnector({ timeout: options.connectTimeoutMs });
  const guarded = buildConnector({
    timeout: options.connectTimeoutMs,
    lookup: guardedLookup(options.resolve),
  });

  return function guardedConnect(connectOptions, callback) {
    const { hostname, protocol, port } = connectOptions;
    if (options.allowHosts.exempts(hostname, effectivePort(protocol, port))) {
      exempt(connectOptions, callback);
      return;
    }
    if (isIP(hostname) !== 0) {
      const reason = forbiddenReason(hostname);
      if (reason !== undefined) {
        const error = new ForbiddenAddressError(hostname, hostname, reason);
        queueMicrotask(() => callback(error, null));
        return;
      }
    }
    guarded(connectOptions, (err, socket) => {
      if (err !== null) {
        callback(err, null);
        return;
      }
      const remote = socket.remoteAddress;
      const reason = remote === undefined ? 'remote address unknown' : forbiddenReason(remote);
      if (reason !== undefined) {
        socket.destroy();
        callback(new ForbiddenAddressError(hostname, remote ?? 'unknown', reason), null);
        return;
      }
      callback(null, socket);
    });
  };
}
