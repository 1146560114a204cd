/**
 * Column alignment with the semantics of Go's text/tabwriter, which the docker CLI pipes every table
 * through. The details matter for byte-exact output: a cell is text terminated by a tab, the text
 * after a line's last tab is not a cell and is never padded, widths are counted in code points, and
 * a column's width is decided per *block* of consecutive lines that have a cell in that column.
 */
export interface TabwriterOptions {
  /** Minimum cell width, padding included. */
  minWidth: number;
  /** Spaces added to the widest cell of a column. */
  padding: number;
}

/** What docker uses for its tables: tabwriter.NewWriter(out, 10, 1, 3, ' ', 0). */
export const tableOptions: TabwriterOptions = { minWidth: 10, padding: 3 };

interface Cell {
  text: string;
  width: number;
}

export function tabwrite(text: string, opts: TabwriterOptions): string {
  const lines: Cell[][] = text.split('\n').map((line) => line.split('\t').map((t) => ({ text: t, width: codePoints(t) })));
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      let s = '';
      cells.forEach((c, j) => {
        s += c.text;
        if (j < widths.length) s += ' '.repeat(Math.max(0, widths[j]! - c.width));
      });
      out.push(s);
    }
  };

  // Go's recursive block formatter: find the runs of lines that have a cell in `widths.length`,
  // size that column over the run, then format the next column within the run.
  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      writeLines(line0, i);
      line0 = i;
      let width = opts.minWidth;
      for (; i < line1; i++) {
        const cells = lines[i]!;
        if (column >= cells.length - 1) break;
        width = Math.max(width, cells[column]!.width + opts.padding);
      }
      widths.push(width);
      format(line0, i);
      widths.pop();
      line0 = i;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('\n');
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** A docker table: header and rows joined by tabs, aligned like `docker ps`. */
export function renderTable(header: string[], rows: string[][]): string {
  const text = [header, ...rows].map((r) => r.join('\t') + '\n').join('');
  return tabwrite(text, tableOptions);
}
