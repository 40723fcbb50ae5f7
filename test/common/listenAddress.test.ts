/** Which bind addresses count as loopback, and the plain-HTTP refusal beyond them. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkBindSecurity, isLoopbackHost, urlHost } from '../../core/common/listenAddress.ts';

describe('listen address', () => {
  test('loopback: localhost, 127.0.0.0/8, ::1 in any spelling, IPv4-mapped 127.x', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.9.8.7', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '192.168.1.20', '10.0.0.1', 'fe80::1', '::ffff:10.0.0.1', 'example.com', '128.0.0.1', 'localhost.example.com', 'a.localhost']) assert.equal(isLoopbackHost(host), false, host);
  });

  test('plain HTTP beyond loopback is refused with a hint naming --tls; TLS or --insecure-http lets it through', () => {
    assert.equal(checkBindSecurity({ host: '127.0.0.1', tls: false }), undefined);
    assert.throws(() => checkBindSecurity({ host: '0.0.0.0', tls: false }), { code: 'InsecureBind', hint: /--tls/ });
    assert.equal(checkBindSecurity({ host: '0.0.0.0', tls: true }), undefined);
    assert.match(checkBindSecurity({ host: '192.168.1.20', tls: false, insecureHttp: true }) ?? '', /^Warning: .*plain HTTP on 192\.168\.1\.20/);
  });

  test('IPv6 literals get brackets in URLs', () => {
    assert.equal(urlHost('::1'), '[::1]');
    assert.equal(urlHost('127.0.0.1'), '127.0.0.1');
  });
});
