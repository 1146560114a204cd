import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTable, tabwrite } from './tabwriter.js';

test('docker ps header with minwidth 10 and padding 3', () => {
  const out = renderTable(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], []);
  assert.equal(out, 'CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n');
});

test('empty cells are padded and the last cell never is', () => {
  const out = renderTable(
    ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
    [['45bad49c280a', '4 minutes ago', '', '1.98MB', 'Imported from -'], ['<missing>', '6 months ago', 'x', '0B', '']],
  );
  assert.equal(
    out,
    'IMAGE          CREATED         CREATED BY   SIZE      COMMENT\n' +
      '45bad49c280a   4 minutes ago                1.98MB    Imported from -\n' +
      '<missing>      6 months ago    x            0B        \n',
  );
});

test('widths count code points, not bytes', () => {
  const out = renderTable(['COMMAND', 'X'], [['"sh -c \'sleep 1; exi…"', 'y']]);
  assert.equal(out, 'COMMAND                  X\n"sh -c \'sleep 1; exi…"   y\n');
});

test('columns are sized per block of consecutive lines', () => {
  // The second column only exists in the first two lines; a line without a tab ends the block.
  const out = tabwrite('a\tbbbbbb\tc\nxx\ty\tz\nlonger-than-before\tq\nno tabs\nx\ty\n', { minWidth: 0, padding: 1 });
  assert.equal(out, 'a                  bbbbbb c\nxx                 y      z\nlonger-than-before q\nno tabs\nx y\n');
});
