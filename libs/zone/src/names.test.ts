import { describe, expect, it } from 'vitest';
import { addressOfReverseName, normalizeIP, reverseName } from './names.ts';

describe('addressOfReverseName', () => {
  it.each([
    ['1.0.96.10.in-addr.arpa', '10.96.0.1'],
    ['255.255.255.255.in-addr.arpa', '255.255.255.255'],
    ['0.0.0.0.in-addr.arpa', '0.0.0.0'],
    ['1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', 'fd00:0:0:0:0:0:0:11'],
    ['f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.ip6.arpa', 'db8:0:0:0:123:4567:89ab:cdef'],
    // Partial names, other spellings and other names stand for no address.
    ['0.96.10.in-addr.arpa', null],
    ['01.0.96.10.in-addr.arpa', null],
    ['256.0.96.10.in-addr.arpa', null],
    ['a.0.96.10.in-addr.arpa', null],
    ['1.0.96.10.in-addr.arpa.example', null],
    ['0.d.f.ip6.arpa', null],
    ['g.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', null],
    ['web.shop.svc.cluster.local', null],
  ])('%s → %s', (name, address) => {
    expect(addressOfReverseName(name)).toBe(address);
  });

  it.each(['10.96.0.1', '0.0.0.0', 'fd00::11', '::ffff:10.0.0.1', '2001:db8::123:4567:89ab:cdef'])('reads back what reverseName(%s) wrote', (ip) => {
    expect(addressOfReverseName(reverseName(ip) as string)).toBe(normalizeIP(ip));
  });
});
