// Response codes by name (RFC 1035, RFC 6891 for the extended ones).
export type RcodeName =
  'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED' | 'YXDOMAIN' | 'YXRRSET' | 'NXRRSET' | 'NOTAUTH' | 'NOTZONE' | 'BADVERS';

const numbers: Record<RcodeName, number> = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
  BADVERS: 16,
};

const names = new Map<number, RcodeName>(Object.entries(numbers).map(([k, v]) => [v, k as RcodeName]));

export function rcodeNumber(name: RcodeName): number {
  return numbers[name];
}

/** The name of a (possibly extended) rcode; unknown numbers read as `RCODE<n>`. */
export function rcodeName(n: number): RcodeName | `RCODE${number}` {
  return names.get(n) ?? `RCODE${n}`;
}
