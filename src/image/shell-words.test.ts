import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKind } from '../common/errors.js';
import { envFromList, processWord, processWords } from './shell-words.js';

test('processWords honours quotes and escapes', () => {
  const cases: Array<[string, string[]]> = [
    ['', []],
    ['   ', []],
    ['a b  c', ['a', 'b', 'c']],
    ['"a b" c', ['a b', 'c']],
    ["'a b' c", ['a b', 'c']],
    ['a"b c"d', ['ab cd']],
    ['""', ['']],
    ["''", ['']],
    ['a\\ b', ['a b']],
    ['"say \\"hi\\""', ['say "hi"']],
    ["'no \\escape'", ['no \\escape']],
    ['k="v w" x=y', ['k=v w', 'x=y']],
    ['\ta\n b', ['a', 'b']],
  ];
  for (const [input, want] of cases) assert.deepEqual(processWords(input), want, JSON.stringify(input));
  for (const bad of ['"open', "'open", 'a "b']) {
    assert.throws(() => processWords(bad), (e: unknown) => isKind(e, 'invalid-argument'), bad);
  }
});

test('variables expand from the environment, in and out of double quotes, not in single quotes', () => {
  const env = envFromList(['A=1', 'PATH=/usr/bin', 'EMPTY=']);
  const cases: Array<[string, string]> = [
    ['$A', '1'],
    ['${A}2', '12'],
    ['"$A $A"', '1 1'],
    ["'$A'", '$A'],
    ['\\$A', '$A'],
    ['\\\\$A', '\\1'],
    ['/opt/bin:$PATH', '/opt/bin:/usr/bin'],
    ['$UNSET-x', '-x'],
    ['${UNSET:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${A:-fallback}', '1'],
    ['${A:+alt}', 'alt'],
    ['${UNSET:+alt}', ''],
    ['"a\\y"', 'a\\y'],
    ['"cost \\$5"', 'cost $5'],
    ['$', '$'],
  ];
  for (const [input, want] of cases) assert.equal(processWord(input, env), want, input);
  assert.throws(() => processWord('${A', env), (e: unknown) => isKind(e, 'invalid-argument'));
  assert.throws(() => processWord('${A-B}', env), (e: unknown) => isKind(e, 'invalid-argument'));
});

test('processWord keeps inner whitespace while removing quotes', () => {
  assert.equal(processWord('"x y"   z'), 'x y   z');
  assert.deepEqual(processWords('"x y"   z'), ['x y', 'z']);
});
