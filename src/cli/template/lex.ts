/**
 * The lexer of Go's text/template (text/template/parse/lex.go), rule for rule, so that templates
 * split into the same tokens and fail with the same words (`bad character U+007D '}'`,
 * `unclosed action`, `unterminated quoted string`).
 */

export type ItemType =
  | 'error'
  | 'bool'
  | 'char'
  | 'charConstant'
  | 'comment'
  | 'assign'
  | 'declare'
  | 'EOF'
  | 'field'
  | 'identifier'
  | 'leftDelim'
  | 'leftParen'
  | 'number'
  | 'pipe'
  | 'rawString'
  | 'rightDelim'
  | 'rightParen'
  | 'space'
  | 'string'
  | 'text'
  | 'variable'
  // keywords
  | 'block'
  | 'break'
  | 'continue'
  | 'dot'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'nil'
  | 'range'
  | 'template'
  | 'with';

export interface Item {
  typ: ItemType;
  /** Byte offset in the template text. */
  pos: number;
  val: string;
  /** Line number at the start of the item. */
  line: number;
}

const keywords: Record<string, ItemType> = {
  '.': 'dot',
  block: 'block',
  break: 'break',
  continue: 'continue',
  define: 'define',
  else: 'else',
  end: 'end',
  if: 'if',
  range: 'range',
  nil: 'nil',
  template: 'template',
  with: 'with',
};

const isKeyword = (t: ItemType) =>
  ['block', 'break', 'continue', 'dot', 'define', 'else', 'end', 'if', 'nil', 'range', 'template', 'with'].includes(t);

/** How Go's item.String() shows a token in "unexpected …" messages. */
export function itemString(i: Item): string {
  if (i.typ === 'EOF') return 'EOF';
  if (i.typ === 'error') return i.val;
  if (isKeyword(i.typ)) return `<${i.val}>`;
  if (Array.from(i.val).length > 10) return `${goQuoteN(i.val, 10)}...`;
  return goQuote(i.val);
}

/** Go's %q for a string (strconv.Quote). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) out += quoteRune(ch, '"');
  return out + '"';
}

/** Go's %.Nq: the first N runes, quoted. */
function goQuoteN(s: string, n: number): string {
  return goQuote(Array.from(s).slice(0, n).join(''));
}

export function quoteRune(ch: string, quote: string): string {
  switch (ch) {
    case '\x07':
      return '\\a';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\v':
      return '\\v';
    case '\\':
      return '\\\\';
  }
  if (ch === quote) return `\\${ch}`;
  if (/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) return ch;
  const cp = ch.codePointAt(0)!;
  if (cp < 0x80) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** Go's %#U: `U+007D '}'`. */
export function goRuneU(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch) ? `${hex} '${ch}'` : hex;
}

const leftDelim = '{{';
const rightDelim = '}}';
const leftComment = '/*';
const rightComment = '*/';
const trimMarker = '-';

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string | undefined) => c !== undefined && (c === '_' || /^[\p{L}\p{Nd}]$/u.test(c));

/** Lexes the whole template; the last item is EOF or an error. Offsets are in UTF-16 units, like the text. */
export function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let parenDepth = 0;
  let insideAction = false;
  let done = false;

  const peekAt = (i: number) => (i < input.length ? String.fromCodePoint(input.codePointAt(i)!) : undefined);
  const next = (): string | undefined => {
    const c = peekAt(pos);
    if (c === undefined) return undefined;
    pos += c.length;
    return c;
  };
  const backup = (c: string | undefined) => {
    if (c !== undefined) pos -= c.length;
  };
  const lineAt = (i: number) => 1 + countNewlines(input.slice(0, i));
  const peek = () => peekAt(pos);
  const emit = (typ: ItemType) => {
    items.push({ typ, pos: byteOffset(start), val: input.slice(start, pos), line: lineAt(start) });
    start = pos;
  };
  const ignore = () => {
    start = pos;
  };
  const errorf = (msg: string) => {
    items.push({ typ: 'error', pos: byteOffset(start), val: msg, line: lineAt(start) });
    done = true;
  };

  // Byte offsets (Go counts bytes) computed from UTF-16 positions.
  const byteCache = new Map<number, number>();
  const byteOffset = (i: number) => {
    let b = byteCache.get(i);
    if (b === undefined) {
      b = Buffer.byteLength(input.slice(0, i), 'utf8');
      byteCache.set(i, b);
    }
    return b;
  };

  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (input.startsWith(` ${trimMarker}${rightDelim}`, pos) || input.startsWith(`\t${trimMarker}${rightDelim}`, pos) ||
      input.startsWith(`\r${trimMarker}${rightDelim}`, pos) || input.startsWith(`\n${trimMarker}${rightDelim}`, pos)) {
      return { delim: true, trim: true };
    }
    if (input.startsWith(rightDelim, pos)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  };

  const atTerminator = (): boolean => {
    const r = peek();
    if (isSpace(r)) return true;
    if (r === undefined || r === '.' || r === ',' || r === '|' || r === ':' || r === ')' || r === '(') return true;
    return input.startsWith(rightDelim, pos);
  };

  const lexText = () => {
    const x = input.indexOf(leftDelim, pos);
    if (x >= 0) {
      let end = x;
      const afterDelim = x + leftDelim.length;
      const trim = input[afterDelim] === trimMarker && isSpace(input[afterDelim + 1]);
      if (trim) while (end > start && isSpace(input[end - 1])) end--;
      pos = end;
      if (pos > start) emit('text');
      pos = x;
      ignore();
      return lexLeftDelim(trim);
    }
    pos = input.length;
    if (pos > start) emit('text');
    emit('EOF');
    done = true;
  };

  const lexLeftDelim = (trim: boolean) => {
    pos += leftDelim.length;
    const afterMarker = trim ? 2 : 0;
    if (input.startsWith(leftComment, pos + afterMarker)) {
      pos += afterMarker;
      ignore();
      return lexComment();
    }
    emit('leftDelim');
    pos += afterMarker;
    ignore();
    parenDepth = 0;
    insideAction = true;
  };

  const lexComment = () => {
    pos += leftComment.length;
    const x = input.indexOf(rightComment, pos);
    if (x < 0) return errorf('unclosed comment');
    pos = x + rightComment.length;
    const d = atRightDelim();
    if (!d.delim) return errorf('comment ends before closing delimiter');
    ignore();
    pos += d.trim ? 1 + trimMarker.length + rightDelim.length : rightDelim.length;
    if (d.trim) {
      while (isSpace(peek())) next();
    }
    ignore();
  };

  const lexRightDelim = (trim: boolean) => {
    if (trim) {
      pos += 1 + trimMarker.length; // the space and the marker
      ignore();
    }
    pos += rightDelim.length;
    emit('rightDelim');
    if (trim) {
      while (isSpace(peek())) next();
      ignore();
    }
    insideAction = false;
  };

  const lexInsideAction = () => {
    const d = atRightDelim();
    if (d.delim) {
      if (parenDepth === 0) return lexRightDelim(d.trim);
      return errorf('unclosed left paren');
    }
    const r = next();
    if (r === undefined) return errorf('unclosed action');
    if (isSpace(r)) {
      backup(r);
      return lexSpace();
    }
    switch (r) {
      case '=':
        return emit('assign');
      case ':':
        if (peek() !== '=') return errorf('expected :=');
        next();
        return emit('declare');
      case '|':
        return emit('pipe');
      case '"':
        return lexQuote();
      case '`':
        return lexRawQuote();
      case '$':
        return lexVariable();
      case "'":
        return lexChar();
      case '.': {
        // ".field", or a number such as .5
        const c = peek();
        if (c !== undefined && !(c >= '0' && c <= '9')) return lexField();
        backup(r);
        return lexNumber();
      }
      case '(':
        parenDepth++;
        return emit('leftParen');
      case ')':
        parenDepth--;
        if (parenDepth < 0) return errorf('unexpected right paren');
        return emit('rightParen');
    }
    if (r === '+' || r === '-' || (r >= '0' && r <= '9')) {
      backup(r);
      return lexNumber();
    }
    if (isAlphaNumeric(r)) {
      backup(r);
      return lexIdentifier();
    }
    if (r.codePointAt(0)! <= 0x7f && /^[\x20-\x7e]$/.test(r)) return emit('char');
    return errorf(`unrecognized character in action: ${goRuneU(r)}`);
  };

  const lexSpace = () => {
    let numSpaces = 0;
    for (;;) {
      const r = peek();
      if (!isSpace(r)) break;
      next();
      numSpaces++;
    }
    // A space right before "-}}" belongs to the trim marker.
    if (input.startsWith(`${trimMarker}${rightDelim}`, pos) && numSpaces > 0) {
      backup(input[pos - 1]);
      if (numSpaces === 1) return;
    }
    emit('space');
  };

  const lexIdentifier = () => {
    for (;;) {
      const r = next();
      if (isAlphaNumeric(r)) continue;
      backup(r);
      const word = input.slice(start, pos);
      if (!atTerminator()) return errorf(`bad character ${goRuneU(r ?? '')}`);
      const kw = keywords[word];
      if (kw && kw !== 'dot') emit(kw);
      else if (word === 'true' || word === 'false') emit('bool');
      else emit('identifier');
      return;
    }
  };

  const lexField = () => lexFieldOrVariable('field');
  const lexVariable = () => lexFieldOrVariable('variable');

  const lexFieldOrVariable = (typ: 'field' | 'variable') => {
    if (atTerminator()) {
      if (typ === 'variable') emit('variable');
      else emit('dot');
      return;
    }
    let r: string | undefined;
    for (;;) {
      r = next();
      if (!isAlphaNumeric(r)) {
        backup(r);
        break;
      }
    }
    if (!atTerminator()) return errorf(`bad character ${goRuneU(r ?? '')}`);
    emit(typ);
  };

  const lexChar = () => {
    for (;;) {
      let r = next();
      if (r === '\\') {
        r = next();
        if (r !== undefined && r !== '\n') continue;
      }
      if (r === undefined || r === '\n') return errorf('unterminated character constant');
      if (r === "'") break;
    }
    emit('charConstant');
  };

  const lexNumber = () => {
    if (!scanNumber()) return errorf(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
    const s = peek();
    if (s === '+' || s === '-') {
      // complex: 1+2i
      if (!scanNumber() || input[pos - 1] !== 'i') return errorf(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
    }
    emit('number');
  };

  const accept = (valid: string) => {
    const c = peek();
    if (c !== undefined && valid.includes(c)) {
      next();
      return true;
    }
    return false;
  };
  const acceptRun = (valid: string) => {
    while (accept(valid));
  };

  const scanNumber = (): boolean => {
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(peek())) {
      next();
      return false;
    }
    return true;
  };

  const lexQuote = () => {
    for (;;) {
      let r = next();
      if (r === '\\') {
        r = next();
        if (r !== undefined && r !== '\n') continue;
      }
      if (r === undefined || r === '\n') return errorf('unterminated quoted string');
      if (r === '"') break;
    }
    emit('string');
  };

  const lexRawQuote = () => {
    for (;;) {
      const r = next();
      if (r === undefined) return errorf('unterminated raw quoted string');
      if (r === '`') break;
    }
    emit('rawString');
  };

  while (!done) {
    if (insideAction) lexInsideAction();
    else lexText();
  }
  return items;
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
