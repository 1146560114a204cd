import { invalidArgument } from '../common/errors.js';

/** Linux signal numbers (x86_64), by name without the SIG prefix. */
const signals: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11,
  USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21,
  TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29, PWR: 30,
  SYS: 31,
};
const sigrtmin = 34;
const sigrtmax = 64;

/** Docker's signal syntax: `9`, `KILL`, `SIGKILL`, `RTMIN+3`. Returns the signal number. */
export function parseSignal(input: string): number {
  const s = input.trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1 || n > sigrtmax) throw invalidArgument(`invalid signal: ${input}`);
    return n;
  }
  const name = s.toUpperCase().replace(/^SIG/, '');
  const known = signals[name];
  if (known !== undefined) return known;
  const rt = /^RTM(IN|AX)(?:([+-])(\d+))?$/.exec(name);
  if (rt) {
    const offset = rt[3] ? Number(rt[3]) * (rt[2] === '-' ? -1 : 1) : 0;
    const n = (rt[1] === 'IN' ? sigrtmin : sigrtmax) + offset;
    if (n >= sigrtmin && n <= sigrtmax) return n;
  }
  throw invalidArgument(`invalid signal: ${input}`);
}

export function signalName(n: number): string {
  for (const [name, num] of Object.entries(signals)) if (num === n && name !== 'IOT' && name !== 'POLL') return `SIG${name}`;
  return String(n);
}
