import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseLogLine, readLogs, type LogEntry } from './logs.js';
import { parseRfc3339 } from '../common/time.js';

const ts = (sec: number, nano = 0) => `2026-11-22T02:39:${String(sec).padStart(2, '0')}.${String(nano).padStart(9, '0')}+00:00`;
const ns = (sec: number, nano = 0) => parseRfc3339(ts(sec, nano))!;
const line = (sec: number, stream: 'stdout' | 'stderr', tag: string, body: string) => `${ts(sec)} ${stream} ${tag} ${body}\n`;

test('parseLogLine reads conmon\'s k8s-file lines', () => {
  const cases: Array<[string, LogEntry]> = [
    ['2026-11-22T02:39:57.381280760+00:00 stdout F got:one', { time: ns(57, 381280760), stream: 'stdout', data: Buffer.from('got:one\n') }],
    ['2026-11-22T02:39:57.381280760Z stderr F oops', { time: ns(57, 381280760), stream: 'stderr', data: Buffer.from('oops\n') }],
    // P is a fragment: no newline is added
    [`${ts(1)} stdout P first half`, { time: ns(1), stream: 'stdout', data: Buffer.from('first half') }],
    // the body keeps its spaces
    [`${ts(2)} stdout F  a  b  `, { time: ns(2), stream: 'stdout', data: Buffer.from(' a  b  \n') }],
    // an empty line
    [`${ts(3)} stdout F `, { time: ns(3), stream: 'stdout', data: Buffer.from('\n') }],
    [`${ts(4)} stdout P `, { time: ns(4), stream: 'stdout', data: Buffer.from('') }],
    // other offsets
    ['2026-11-22T03:39:05.000000001+01:00 stdout F x', { time: ns(5, 1), stream: 'stdout', data: Buffer.from('x\n') }],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseLogLine(Buffer.from(text)), want, text);
});

test('parseLogLine keeps binary bodies byte for byte', () => {
  const body = Buffer.from([0x00, 0xff, 0x20, 0xc3, 0xa9, 0x0d]);
  const e = parseLogLine(Buffer.concat([Buffer.from(`${ts(6)} stdout F `), body]));
  assert.ok(e);
  assert.ok(e.data.equals(Buffer.concat([body, Buffer.from('\n')])));
});

test('parseLogLine refuses malformed lines', () => {
  const bad = [
    '',
    'garbage',
    `${ts(1)}`,
    `${ts(1)} stdout`,
    `${ts(1)} stdout F`,
    `notatime stdout F x`,
    `${ts(1)} stdin F x`,
    `${ts(1)} STDOUT F x`,
    `${ts(1)}  stdout F x`,
    `2026-11-22 02:39:01 stdout F x`,
  ];
  for (const text of bad) assert.equal(parseLogLine(Buffer.from(text)), undefined, JSON.stringify(text));
});

let dir: string;
let n = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function logFile(content: string): Promise<string> {
  const p = join(dir, `container-${++n}.log`);
  await writeFile(p, content);
  return p;
}

async function collect(gen: AsyncGenerator<LogEntry>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of gen) out.push(`${e.stream}:${e.data.toString()}`);
  return out;
}

const sample = [
  line(10, 'stdout', 'F', 'one'),
  line(11, 'stderr', 'F', 'two'),
  'this line is garbage\n',
  line(12, 'stdout', 'P', 'thr'),
  line(12, 'stdout', 'F', 'ee'),
  line(13, 'stdout', 'F', 'four'),
  line(14, 'stderr', 'F', 'five'),
].join('');

test('readLogs returns every entry in order, skipping malformed lines', async () => {
  const p = await logFile(sample);
  assert.deepEqual(await collect(readLogs(p)), ['stdout:one\n', 'stderr:two\n', 'stdout:thr', 'stdout:ee\n', 'stdout:four\n', 'stderr:five\n']);
});

test('readLogs tail keeps the last N entries', async () => {
  const p = await logFile(sample);
  const cases: Array<[number | undefined, number]> = [
    [undefined, 6],
    [-1, 6],
    [0, 0],
    [1, 1],
    [2, 2],
    [6, 6],
    [100, 6],
  ];
  for (const [tail, count] of cases) {
    const got = await collect(readLogs(p, tail === undefined ? {} : { tail }));
    assert.equal(got.length, count, `tail ${tail}`);
    if (count > 0) assert.equal(got.at(-1), 'stderr:five\n');
  }
  assert.deepEqual(await collect(readLogs(p, { tail: 2 })), ['stdout:four\n', 'stderr:five\n']);
});

test('readLogs since and until select a time window', async () => {
  const p = await logFile(sample);
  const cases: Array<[bigint | undefined, bigint | undefined, string[]]> = [
    [ns(11, 500), undefined, ['stdout:thr', 'stdout:ee\n', 'stdout:four\n', 'stderr:five\n']],
    [undefined, ns(11, 500), ['stdout:one\n', 'stderr:two\n']],
    [ns(11, 500), ns(13, 500), ['stdout:thr', 'stdout:ee\n', 'stdout:four\n']],
    // until is inclusive
    [undefined, ns(11), ['stdout:one\n', 'stderr:two\n']],
    [ns(20), undefined, []],
    [undefined, ns(0), []],
  ];
  for (const [since, until, want] of cases) {
    const opts = { ...(since !== undefined && { since }), ...(until !== undefined && { until }) };
    assert.deepEqual(await collect(readLogs(p, opts)), want, `${since} .. ${until}`);
  }
  // As in dockerd (loggerutils.tailFiles): the last `tail` lines are picked first, then filtered
  // by time, so a window that excludes them yields nothing.
  assert.deepEqual(await collect(readLogs(p, { until: ns(13), tail: 1 })), []);
  assert.deepEqual(await collect(readLogs(p, { since: ns(13), tail: 2 })), ['stdout:four\n', 'stderr:five\n']);
});

test('readLogs since includes an entry at exactly that instant, as Docker does', async () => {
  const p = await logFile(sample);
  assert.deepEqual(await collect(readLogs(p, { since: ns(13) })), ['stdout:four\n', 'stderr:five\n']);
});

test('readLogs of a missing file: nothing, or wait for the stop when following', async () => {
  assert.deepEqual(await collect(readLogs(join(dir, 'missing.log'))), []);
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const pending = collect(readLogs(join(dir, 'missing2.log'), { follow: true, stopped }));
  let done = false;
  void pending.then(() => (done = true));
  await sleep(30);
  assert.equal(done, false, 'still waiting for the container to stop');
  stop();
  assert.deepEqual(await pending, []);
});

test('readLogs follow streams appended lines and ends once drained after the stop', async () => {
  const p = await logFile(line(10, 'stdout', 'F', 'before'));
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const gen = readLogs(p, { follow: true, stopped });
  const got: string[] = [];
  const first = await gen.next();
  got.push(first.done ? 'END' : first.value.data.toString());

  // Appended while following, in two writes, the first ending mid-line.
  await appendFile(p, line(11, 'stdout', 'F', 'live one') + `${ts(12)} stderr F live`);
  const second = await gen.next();
  got.push(second.done ? 'END' : second.value.data.toString());
  await appendFile(p, ' two\n');
  const third = await gen.next();
  got.push(third.done ? 'END' : third.value.data.toString());

  // Written just before the container stops: must still be delivered.
  await appendFile(p, line(13, 'stdout', 'F', 'last words'));
  stop();
  for await (const e of gen) got.push(e.data.toString());
  assert.deepEqual(got, ['before\n', 'live one\n', 'live two\n', 'last words\n']);
});

test('readLogs follow with tail 0 shows only new lines', async () => {
  const p = await logFile(sample);
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const pending = collect(readLogs(p, { follow: true, tail: 0, stopped }));
  await sleep(20);
  await appendFile(p, line(20, 'stdout', 'F', 'new'));
  await sleep(20);
  stop();
  assert.deepEqual(await pending, ['stdout:new\n']);
});

test('readLogs follow ends at until, and when the signal aborts', async () => {
  const p = await logFile(line(10, 'stdout', 'F', 'a'));
  const never = new Promise<void>(() => {});
  const untilRun = collect(readLogs(p, { follow: true, until: ns(11), stopped: never }));
  await sleep(20);
  await appendFile(p, line(11, 'stdout', 'F', 'b') + line(12, 'stdout', 'F', 'too late'));
  assert.deepEqual(await untilRun, ['stdout:a\n', 'stdout:b\n']);

  const ac = new AbortController();
  const aborted = collect(readLogs(p, { follow: true, stopped: never, signal: ac.signal }));
  await sleep(20);
  ac.abort();
  assert.equal((await aborted).length, 3);
});
