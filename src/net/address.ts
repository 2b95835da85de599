import { isIPv4, isIPv6 } from 'node:net';

/**
 * What kind of IP address a connection would go to. Only `public` may be
 * reached by a link check of a host that is neither in the units file nor
 * allowed by the operator (../../README.md 可靠性; DESIGN "Where the tool may connect").
 *
 *   classifyAddress('169.254.169.254') → 'link-local'
 *   classifyAddress('::ffff:127.0.0.1') → 'loopback'  (IPv4-mapped and NAT64 / 6to4 forms are judged by the IPv4 inside)
 *   classifyAddress('not an ip')        → 'invalid'
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'multicast'
  | 'unspecified'
  | 'unique-local'
  | 'reserved'
  | 'invalid';

/** Chinese names of the classes, for the reason a link was not checked. */
export const ADDRESS_CLASS_LABEL: Record<Exclude<AddressClass, 'public'>, string> = {
  loopback: '本机地址',
  private: '内网地址',
  'link-local': '链路本地地址',
  cgnat: '运营商内网地址',
  multicast: '组播地址',
  unspecified: '未指定地址',
  'unique-local': '内网地址（IPv6 唯一本地）',
  reserved: '保留地址',
  invalid: '无效地址',
};

type V4Rule = [base: number, bits: number, cls: AddressClass];

const v4 = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

/** IANA special-purpose IPv4 ranges (RFC 6890 and successors); everything else is public. */
const V4_RULES: V4Rule[] = [
  [v4(0, 0, 0, 0), 8, 'unspecified'],
  [v4(10, 0, 0, 0), 8, 'private'],
  [v4(100, 64, 0, 0), 10, 'cgnat'],
  [v4(127, 0, 0, 0), 8, 'loopback'],
  [v4(169, 254, 0, 0), 16, 'link-local'],
  [v4(172, 16, 0, 0), 12, 'private'],
  [v4(192, 0, 0, 0), 24, 'reserved'],
  [v4(192, 0, 2, 0), 24, 'reserved'],
  [v4(192, 88, 99, 0), 24, 'reserved'],
  [v4(192, 168, 0, 0), 16, 'private'],
  [v4(198, 18, 0, 0), 15, 'reserved'],
  [v4(198, 51, 100, 0), 24, 'reserved'],
  [v4(203, 0, 113, 0), 24, 'reserved'],
  [v4(224, 0, 0, 0), 4, 'multicast'],
  [v4(240, 0, 0, 0), 4, 'reserved'],
];

function classifyV4(n: number): AddressClass {
  for (const [base, bits, cls] of V4_RULES) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((n & mask) >>> 0 === base) return cls;
  }
  return 'public';
}

function parseV4(text: string): number | null {
  if (!isIPv4(text)) return null;
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
  return v4(a, b, c, d);
}

/** Eight 16-bit groups, or null. Accepts the embedded dotted-quad tail (::ffff:1.2.3.4). */
function parseV6(text: string): number[] | null {
  if (!isIPv6(text)) return null;
  let s = text.toLowerCase();
  const colon = s.lastIndexOf(':');
  if (s.includes('.', colon)) {
    const n = parseV4(s.slice(colon + 1));
    if (n === null) return null;
    s = `${s.slice(0, colon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  const part = (p: string) => (p === '' ? [] : p.split(':').map((x) => parseInt(x, 16)));
  const head = part(halves[0]!);
  const rest = halves.length > 1 ? part(halves[1]!) : [];
  const groups = halves.length > 1 ? [...head, ...new Array<number>(Math.max(0, 8 - head.length - rest.length)).fill(0), ...rest] : head;
  return groups.length === 8 && groups.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff) ? groups : null;
}

function classifyV6(g: number[]): AddressClass {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const embedded = () => classifyV4(((g6 << 16) | g7) >>> 0);
  const zeroTo = (k: number) => g.slice(0, k).every((x) => x === 0);
  if (zeroTo(8)) return 'unspecified';
  if (zeroTo(7) && g7 === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, deprecated), 64:ff9b::a.b.c.d (NAT64): the IPv4 inside decides.
  if (zeroTo(5) && g5 === 0xffff) return embedded();
  if (zeroTo(6)) return embedded();
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return embedded();
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'reserved';
  // 6to4 (2002:a.b.c.d::/48): the IPv4 inside decides.
  if (g0 === 0x2002) return classifyV4(((g1 << 16) | g2) >>> 0);
  if ((g0 & 0xfe00) === 0xfc00) return 'unique-local';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // site-local, deprecated
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  // Teredo (2001::/32) tunnels to an obfuscated IPv4; documentation 2001:db8::/32; ORCHID 2001:10::/28, 2001:20::/28.
  if (g0 === 0x2001 && (g1 === 0 || g1 === 0xdb8 || (g1 & 0xfff0) === 0x10 || (g1 & 0xfff0) === 0x20)) return 'reserved';
  // Only global unicast (2000::/3) is public; 100::/64 discard and everything else unassigned is not.
  return (g0 & 0xe000) === 0x2000 ? 'public' : 'reserved';
}

/** Brackets and a zone (`fe80::1%eth0`) are accepted and ignored. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const n = parseV4(bare);
  if (n !== null) return classifyV4(n);
  const g = parseV6(bare);
  return g ? classifyV6(g) : 'invalid';
}

/** The same address written the same way (IPv6 groups expanded; IPv4-mapped IPv6 as its IPv4), for comparing. */
export function canonicalAddress(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (parseV4(bare) !== null) return bare;
  const g = parseV6(bare);
  if (!g) return null;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `${g[6]! >>> 8}.${g[6]! & 0xff}.${g[7]! >>> 8}.${g[7]! & 0xff}`;
  return g.map((x) => x.toString(16)).join(':');
}
