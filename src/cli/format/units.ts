/**
 * Sizes and durations written the way the docker CLI writes them (it uses the go-units package), so
 * that `berth images`, `ps -s`, `system df` and `info` line up byte for byte with docker's output.
 */

/**
 * Go's `%.<precision>g`: `precision` significant digits, trailing zeros dropped, and exponent form
 * (`1e+03`) once the decimal exponent reaches the precision. Docker really prints `1e+03kB` for
 * 999.5 kB, so this has to be Go's rule and not JavaScript's toPrecision.
 */
export function formatG(value: number, precision: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const negative = value < 0;
  const { digits, point } = roundedDigits(Math.abs(value), Math.max(precision, 1));
  const exp = point - 1;
  let eprec = precision;
  if (eprec > digits.length && digits.length >= point) eprec = digits.length;
  let out: string;
  if (exp < -4 || exp >= eprec) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    out = `${mantissa}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  } else if (point <= 0) {
    out = `0.${'0'.repeat(-point)}${digits}`;
  } else if (point >= digits.length) {
    out = digits + '0'.repeat(point - digits.length);
  } else {
    out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  return negative ? `-${out}` : out;
}

/**
 * The decimal digits of `value` rounded to `precision` significant digits the way Go's strconv
 * rounds (to nearest, ties to even on the exact binary value), without trailing zeros; the number is
 * 0.digits × 10^point.
 */
function roundedDigits(value: number, precision: number): { digits: string; point: number } {
  // toPrecision(100) is exact for every double we format: it spells out the binary value in full.
  const exact = value.toPrecision(100);
  const [mant = '', expPart] = exact.split('e');
  const [intPart = '', fracPart = ''] = mant.split('.');
  let all = intPart + fracPart;
  let point = intPart.length + (expPart ? Number(expPart) : 0);
  const lead = all.search(/[1-9]/);
  all = all.slice(lead);
  point -= lead;
  if (all.length <= precision) return { digits: all.replace(/0+$/, ''), point };
  const kept = all.slice(0, precision).split('').map(Number);
  const next = all.charCodeAt(precision) - 48;
  const rest = all.slice(precision + 1);
  const roundUp = next > 5 || (next === 5 && (/[1-9]/.test(rest) || kept[precision - 1]! % 2 === 1));
  if (roundUp) {
    let i = precision - 1;
    while (i >= 0 && kept[i] === 9) kept[i--] = 0;
    if (i < 0) {
      kept.unshift(1);
      kept.pop();
      point++;
    } else {
      kept[i]!++;
    }
  }
  return { digits: kept.join('').replace(/0+$/, ''), point };
}

const decimalUnits = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const binaryUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function scaled(size: number, base: number, units: string[], precision: number): string {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return formatG(size, precision) + units[i];
}

/** go-units HumanSizeWithPrecision: decimal units (`1.98MB`, `999kB`). */
export function humanSizeWithPrecision(size: number, precision: number): string {
  return scaled(size, 1000, decimalUnits, precision);
}

/** go-units HumanSize: four significant digits (`3.965MB`), as `system df` prints. */
export function humanSize(size: number): string {
  return humanSizeWithPrecision(size, 4);
}

/** go-units BytesSize: binary units (`23.54GiB`), as `info` prints the total memory. */
export function bytesSize(size: number): string {
  return scaled(size, 1024, binaryUnits, 4);
}

/**
 * go-units HumanDuration: the coarse "N minutes" wording of `ps` and `images` (the caller adds
 * " ago"). Thresholds are go-units'; hours are rounded, everything else truncated.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

/** "5 minutes ago" from a Unix time in seconds, as the CREATED columns show it. */
export function humanAgo(unixSeconds: number, now = Date.now()): string {
  return `${humanDuration(now - unixSeconds * 1000)} ago`;
}

const ramUnits: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/**
 * go-units RAMInBytes, behind `--memory`: a number with an optional binary unit (`512m`, `1.5GiB`,
 * `100 kb`). Throws the message docker shows after `invalid argument "…" for "-m, --memory" flag:`.
 */
export function ramInBytes(input: string): number {
  let sep = -1;
  for (let i = input.length - 1; i >= 0; i--) {
    if ('0123456789. '.includes(input[i]!)) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw new Error(`invalid size: '${input}'`);
  const num = input[sep] === ' ' ? input.slice(0, sep) : input.slice(0, sep + 1);
  const rawSuffix = input.slice(sep + 1);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(num)) {
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
  }
  let size = Number(num);
  if (size < 0) throw new Error(`invalid size: '${input}'`);
  if (rawSuffix === '') return Math.trunc(size);
  if (rawSuffix.length > 3) throw new Error(`invalid suffix: '${rawSuffix}'`);
  const sfx = rawSuffix.toLowerCase();
  const bad = () => new Error(`invalid suffix: '${sfx}'`);
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw bad();
    return Math.trunc(size);
  }
  const mul = ramUnits[sfx[0]!];
  if (mul === undefined) throw bad();
  size *= mul;
  if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) throw bad();
  return Math.trunc(size);
}
