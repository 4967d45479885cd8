/**
 * The operator's exemptions from the address guard: `host` (any port) or `host:port`, matched
 * on the URL's hostname and effective port (80/443 when the URL has none). IPv6 hosts are
 * written in brackets (`[::1]:8080`). An exempt name is trusted whatever it resolves to.
 */

export interface AllowHosts {
  /** `hostname` as URL.hostname or as undici hands it to the connector (IPv6 with or without brackets). */
  exempts(hostname: string, port: number): boolean;
}

/** Lower case, no IPv6 brackets, no trailing dot: one spelling per host. */
export function normaliseHost(hostname: string): string {
  let host = hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

/** The port a URL connects to. */
export function effectivePort(protocol: string, port: string | number | undefined): number {
  if (port !== undefined && port !== '') return Number(port);
  return protocol === 'https:' ? 443 : 80;
}

export function parseAllowHosts(entries: readonly string[]): AllowHosts {
  const anyPort = new Set<string>();
  const withPort = new Set<string>();
  for (const entry of entries) {
    const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry.trim());
    if (match === null) throw new Error(`allowHosts: "${entry}" is not host or host:port`);
    const host = normaliseHost(match[1] ?? '');
    if (match[2] === undefined) anyPort.add(host);
    else withPort.add(`${host}|${Number(match[2])}`);
  }
  return {
    exempts(hostname, port) {
      const host = normaliseHost(hostname);
      return anyPort.has(host) || withPort.has(`${host}|${port}`);
    },
  };
}
