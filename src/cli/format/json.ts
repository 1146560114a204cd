/**
 * Re-indents JSON text without decoding it, like Go's json.Indent, which `docker inspect` applies to
 * the daemon's raw answer. Working on the text keeps what a parse would lose: 64-bit integers such as
 * `timeNano`, the daemon's key order and its string escapes.
 */
export function indentJson(raw: string, indent = '    '): string {
  let out = '';
  let depth = 0;
  const newline = () => '\n' + indent.repeat(depth);
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < raw.length && raw[j] !== '"') j += raw[j] === '\\' ? 2 : 1;
      out += raw.slice(i, j + 1);
      i = j;
      continue;
    }
    switch (c) {
      case ' ':
      case '\t':
      case '\n':
      case '\r':
        break;
      case '{':
      case '[': {
        let j = i + 1;
        while (j < raw.length && ' \t\n\r'.includes(raw[j]!)) j++;
        if (raw[j] === (c === '{' ? '}' : ']')) {
          // Go keeps empty objects and arrays on one line.
          out += c + raw[j];
          i = j;
        } else {
          depth++;
          out += c + newline();
        }
        break;
      }
      case '}':
      case ']':
        depth--;
        out += newline() + c;
        break;
      case ',':
        out += ',' + newline();
        break;
      case ':':
        out += ': ';
        break;
      default:
        out += c;
    }
  }
  return out;
}
