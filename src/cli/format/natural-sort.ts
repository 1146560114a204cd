/**
 * fvbommel/sortorder's NaturalLess, which `docker port` sorts its lines with: runs of digits compare
 * as numbers (`8080` after `443`), digits sort before other characters, and of two equal numbers
 * the one with fewer leading zeros comes first.
 */
export function naturalLess(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  const digit = (s: string, k: number) => k < s.length && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57;
  while (i < a.length && j < b.length) {
    const da = digit(a, i);
    const db = digit(b, j);
    if (da !== db) return da;
    if (!da) {
      if (a[i] !== b[j]) return a[i]! < b[j]!;
      i++;
      j++;
      continue;
    }
    while (i < a.length && a[i] === '0') i++;
    while (j < b.length && b[j] === '0') j++;
    const nzA = i;
    const nzB = j;
    while (digit(a, i)) i++;
    while (digit(b, j)) j++;
    if (i - nzA !== j - nzB) return i - nzA < j - nzB;
    const na = a.slice(nzA, i);
    const nb = b.slice(nzB, j);
    if (na !== nb) return na < nb;
    if (nzA !== nzB) return nzA < nzB;
  }
  return a.length < b.length;
}
