import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, frame, type StreamId } from './stdcopy.js';

type Frame = [StreamId, string];

function decodeAll(chunks: Uint8Array[]): { frames: Frame[]; pending: number } {
  const d = new FrameDecoder();
  const frames: Frame[] = [];
  for (const c of chunks) d.push(c, (s, p) => frames.push([s, p.toString('latin1')]));
  return { frames, pending: d.pending };
}

test('frame writes the 8-byte header Docker clients expect', () => {
  assert.deepEqual([...frame(1, Buffer.from('hi\n'))], [1, 0, 0, 0, 0, 0, 0, 3, 0x68, 0x69, 0x0a]);
  assert.deepEqual([...frame(2, Buffer.alloc(0))], [2, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...frame(0, Buffer.from('x'))], [0, 0, 0, 0, 0, 0, 0, 1, 0x78]);
  assert.deepEqual([...frame(3, Buffer.from('e'))].slice(0, 8), [3, 0, 0, 0, 0, 0, 0, 1]);
  // Sizes are big-endian uint32: 0x00010203 bytes.
  const big = frame(1, Buffer.alloc(0x010203, 0x61));
  assert.deepEqual([...big.subarray(0, 8)], [1, 0, 0, 0, 0x00, 0x01, 0x02, 0x03]);
  assert.equal(big.length, 8 + 0x010203);
});

const sample: Frame[] = [
  [1, 'hello\n'],
  [2, ''],
  [2, 'oops: something failed\n'],
  [1, 'x'],
  [3, 'system error'],
  [1, ''],
];
const wire = Buffer.concat(sample.map(([s, p]) => frame(s, Buffer.from(p, 'latin1'))));

test('FrameDecoder decodes several frames, empty payloads included, from one chunk', () => {
  assert.deepEqual(decodeAll([wire]), { frames: sample, pending: 0 });
});

test('FrameDecoder survives a split at every byte boundary', () => {
  for (let i = 0; i <= wire.length; i++) {
    const got = decodeAll([wire.subarray(0, i), wire.subarray(i)]);
    assert.deepEqual(got, { frames: sample, pending: 0 }, `split at ${i}`);
  }
});

test('FrameDecoder survives two splits at every pair of boundaries', () => {
  for (let i = 0; i <= wire.length; i += 1) {
    for (let j = i; j <= wire.length; j += 3) {
      const got = decodeAll([wire.subarray(0, i), wire.subarray(i, j), wire.subarray(j)]);
      assert.deepEqual(got.frames, sample, `splits at ${i}, ${j}`);
    }
  }
});

test('FrameDecoder accepts one byte at a time', () => {
  const chunks = [...wire].map((b) => Uint8Array.of(b));
  assert.deepEqual(decodeAll(chunks), { frames: sample, pending: 0 });
});

test('FrameDecoder holds an incomplete frame until the rest arrives', () => {
  const d = new FrameDecoder();
  const frames: Frame[] = [];
  const f = frame(1, Buffer.from('abcdef'));
  d.push(f.subarray(0, 5), (s, p) => frames.push([s, p.toString()]));
  assert.equal(frames.length, 0);
  assert.equal(d.pending, 5);
  d.push(f.subarray(5, 12), (s, p) => frames.push([s, p.toString()]));
  assert.equal(frames.length, 0);
  assert.equal(d.pending, 12);
  d.push(f.subarray(12), (s, p) => frames.push([s, p.toString()]));
  assert.deepEqual(frames, [[1, 'abcdef']]);
  assert.equal(d.pending, 0);
});

test('FrameDecoder payloads handed out earlier are not overwritten by later chunks', () => {
  const d = new FrameDecoder();
  const payloads: Buffer[] = [];
  const second = frame(2, Buffer.from('second'));
  // The callback keeps the payload views without copying them.
  d.push(Buffer.concat([frame(1, Buffer.from('first')), second.subarray(0, 11)]), (_s, p) => payloads.push(p));
  assert.deepEqual(payloads.map(String), ['first']);
  assert.equal(d.pending, 11);
  d.push(second.subarray(11), (_s, p) => payloads.push(p));
  d.push(frame(1, Buffer.from('third')), (_s, p) => payloads.push(p));
  assert.deepEqual(payloads.map(String), ['first', 'second', 'third']);
  assert.equal(d.pending, 0);
});
