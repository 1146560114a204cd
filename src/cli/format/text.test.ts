import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ellipsis, goQuote, shortId } from './text.js';
import { indentJson } from './json.js';
import { displayablePorts } from './ports.js';

test('shortId drops the algorithm and keeps 12 characters', () => {
  assert.equal(shortId('sha256:45bad49c280ad229c1beac0de1d323fb8c0463229d9b5956c953eb6b2b44de57'), '45bad49c280a');
  assert.equal(shortId('e696e74db3062c03f7b337ffae3e5610'), 'e696e74db306');
  assert.equal(shortId('<missing>'), '<missing>');
});

test('ellipsis and quoting match the ps COMMAND column', () => {
  assert.equal(goQuote(ellipsis("sh -c 'sleep 1; exit 7'", 20)), '"sh -c \'sleep 1; exi…"');
  assert.equal(goQuote(ellipsis('sleep 300', 20)), '"sleep 300"');
  assert.equal(ellipsis('12345678901234567890', 20), '12345678901234567890');
  assert.equal(ellipsis('日本語日本語日本語日本語', 20), '日本語日本語日本語…');
  assert.equal(goQuote('a"b\\c\n\t\x01é'), '"a\\"b\\\\c\\n\\t\\x01é"');
});

test('indentJson re-indents without decoding', () => {
  const raw = '[{"Id":"x","Args":[],"N":1795315205689116791,"Cfg":{},"L":["a","b"],"S":"a,b:{c}"}\n]';
  assert.equal(
    indentJson(raw),
    '[\n    {\n        "Id": "x",\n        "Args": [],\n        "N": 1795315205689116791,\n        "Cfg": {},\n' +
      '        "L": [\n            "a",\n            "b"\n        ],\n        "S": "a,b:{c}"\n    }\n]',
  );
  assert.equal(indentJson('"a\\"b"'), '"a\\"b"');
});

test('ports are grouped like docker ps', () => {
  assert.equal(
    displayablePorts([
      { IP: '0.0.0.0', PrivatePort: 7000, PublicPort: 32768, Type: 'tcp' },
      { IP: '::', PrivatePort: 7000, PublicPort: 32768, Type: 'tcp' },
    ]),
    '0.0.0.0:32768->7000/tcp, [::]:32768->7000/tcp',
  );
  assert.equal(
    displayablePorts([
      { PrivatePort: 80, Type: 'tcp' },
      { PrivatePort: 81, Type: 'tcp' },
      { PrivatePort: 53, Type: 'udp' },
      { IP: '0.0.0.0', PrivatePort: 8080, PublicPort: 8080, Type: 'tcp' },
    ]),
    '53/udp, 80-81/tcp, 0.0.0.0:8080->8080/tcp',
  );
  assert.equal(displayablePorts([]), '');
});
