/** Where a server may listen: loopback addresses are private to this machine; anything else needs TLS or an explicit opt-out. */
import { isIP } from 'node:net';
import { CosSyncError } from './errors.ts';

/** True for `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped loopback (`::ffff:127.x.x.x`). */
export function isLoopbackHost(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost') return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) {
    // The URL parser normalises IPv6 literals (`0:0:0:0:0:0:0:1` → `::1`, `::ffff:127.0.0.1` → `::ffff:7f00:1`).
    const normal = new URL(`http://[${name}]`).hostname;
    return normal === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(normal);
  }
  return false;
}

/** How a listener is protected: TLS, or the user's explicit consent to plain HTTP beyond loopback. */
export interface BindSecurity {
  /** Address to bind. */
  host: string;
  /** True when the listener speaks TLS. */
  tls: boolean;
  /** The user asked for plain HTTP on a non-loopback address (`--insecure-http`). */
  insecureHttp?: boolean;
}

/**
 * Refuses plain HTTP on a non-loopback address unless `insecureHttp` is set: signed requests and object bodies
 * would cross the network unencrypted. Throws `InsecureBind` (hint: `--tls`); returns a warning sentence when the
 * override is in effect, else undefined.
 */
export function checkBindSecurity(binding: BindSecurity): string | undefined {
  if (binding.tls || isLoopbackHost(binding.host)) return undefined;
  if (!binding.insecureHttp) {
    throw new CosSyncError('InsecureBind', `Refusing to serve plain HTTP on ${binding.host}: it is reachable from the network, and request bodies would travel unencrypted.`, {
      hint: 'Add --tls (a self-signed certificate) or --tls-cert/--tls-key, bind --host 127.0.0.1, or pass --insecure-http if you really mean it.',
    });
  }
  return `Warning: serving plain HTTP on ${binding.host} (--insecure-http): anyone on the network can read and alter what is sent.`;
}

/** The `host` part of a URL for `host` (IPv6 literals in brackets). */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
