/** Go's duration syntax (`30s`, `1h30m`, `1.5ms`), which Docker uses on the command line, in daemon.json and in Dockerfiles. */

const unitNs: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n,
  'μs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's time.ParseDuration, in nanoseconds; throws Go's message on bad input. */
export function parseDuration(input: string): bigint {
  const fail = (why = 'invalid duration') => new Error(`time: ${why} ${goQuoteSimple(input)}`);
  let s = input;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw fail();
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const [whole, int = '', frac] = m;
    if (int === '' && (frac === undefined || frac === '')) throw fail();
    s = s.slice(whole.length);
    const unit = /^[^\d.]+/.exec(s)?.[0];
    if (!unit) throw fail('missing unit in duration');
    const scale = unitNs[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${goQuoteSimple(unit)} in duration ${goQuoteSimple(input)}`);
    s = s.slice(unit.length);
    total += BigInt(int || '0') * scale;
    if (frac) total += (BigInt(frac) * scale) / 10n ** BigInt(frac.length);
  }
  return negative ? -total : total;
}

export function goQuoteSimple(s: string): string {
  return JSON.stringify(s);
}
