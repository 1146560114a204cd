import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesSize, formatG, humanDuration, humanSize, humanSizeWithPrecision, ramInBytes } from './units.js';

test('formatG follows Go %g, not toPrecision', () => {
  const cases: Array<[number, number, string]> = [
    [1.982903, 3, '1.98'],
    [999.5, 3, '1e+03'],
    [1000, 3, '1e+03'],
    [100, 3, '100'],
    [12, 3, '12'],
    [1.5, 3, '1.5'],
    [1.125, 3, '1.12'], // an exact tie rounds to even
    [1.375, 3, '1.38'],
    [2.675, 3, '2.67'], // 2.675 is really 2.67499999…
    [3.965, 4, '3.965'],
    [0.0001234, 4, '0.0001234'],
    [0.00001234, 4, '1.234e-05'],
    [123456789, 3, '1.23e+08'],
    [0, 3, '0'],
    [-1.5, 3, '-1.5'],
  ];
  for (const [v, p, want] of cases) assert.equal(formatG(v, p), want, `${v} %.${p}g`);
});

test('sizes use go-units wording', () => {
  assert.equal(humanSizeWithPrecision(1982903, 3), '1.98MB');
  assert.equal(humanSizeWithPrecision(4260000, 3), '4.26MB');
  assert.equal(humanSizeWithPrecision(999000, 3), '999kB');
  assert.equal(humanSizeWithPrecision(999999, 3), '1e+03kB');
  assert.equal(humanSizeWithPrecision(1_200_000_000, 3), '1.2GB');
  assert.equal(humanSizeWithPrecision(0, 3), '0B');
  assert.equal(humanSizeWithPrecision(2, 3), '2B');
  assert.equal(humanSize(3965000), '3.965MB');
  assert.equal(humanSize(1982903), '1.983MB');
  assert.equal(bytesSize(25276063744), '23.54GiB');
  assert.equal(bytesSize(512), '512B');
});

test('humanDuration uses the go-units thresholds', () => {
  const s = 1000;
  const cases: Array<[number, string]> = [
    [0, 'Less than a second'],
    [999, 'Less than a second'],
    [1 * s, '1 second'],
    [59 * s, '59 seconds'],
    [60 * s, 'About a minute'],
    [119 * s, 'About a minute'],
    [120 * s, '2 minutes'],
    [59 * 60 * s, '59 minutes'],
    [60 * 60 * s, 'About an hour'],
    [89 * 60 * s, 'About an hour'],
    [91 * 60 * s, '2 hours'],
    [47 * 3600 * s, '47 hours'],
    [48 * 3600 * s, '2 days'],
    [14 * 86400 * s, '2 weeks'],
    [60 * 86400 * s, '2 months'],
    [183 * 86400 * s, '6 months'],
    [730 * 86400 * s, '2 years'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
});

test('ramInBytes parses --memory like go-units RAMInBytes', () => {
  assert.equal(ramInBytes('512'), 512);
  assert.equal(ramInBytes('512b'), 512);
  assert.equal(ramInBytes('64m'), 64 * 1024 * 1024);
  assert.equal(ramInBytes('1.5g'), 1.5 * 1024 ** 3);
  assert.equal(ramInBytes('2GiB'), 2 * 1024 ** 3);
  assert.equal(ramInBytes('10 KB'), 10 * 1024);
  assert.throws(() => ramInBytes('1x'), /^Error: invalid suffix: 'x'$/);
  assert.throws(() => ramInBytes('1mbb'), /^Error: invalid suffix: 'mbb'$/);
  assert.throws(() => ramInBytes('m'), /^Error: invalid size: 'm'$/);
});
