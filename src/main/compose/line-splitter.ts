import { StringDecoder } from 'node:string_decoder';

/**
 * Cuts a byte stream into lines without ever holding more than `maxLine` characters of one:
 * a line that reaches the cap is reported at once, cut and marked with `…`, and whatever follows
 * up to its end is dropped as it arrives. readline would buffer a 300 MB line whole first.
 * Line ends are `\n`, `\r\n` and a lone `\r`, as readline reads them.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private current = '';
  /** The current line reached the cap and was reported: drop the rest of it. */
  private dropping = false;
  /** The previous chunk ended in `\r`: a `\n` opening this one belongs to that line end. */
  private afterCr = false;

  constructor(
    private readonly maxLine: number,
    private readonly onLine: (line: string) => void,
  ) {}

  /** Characters held for the line in progress; never more than the cap. */
  get pending(): number {
    return this.current.length;
  }

  write(chunk: Buffer): void {
    this.take(this.decoder.write(chunk));
  }

  /** The stream ended: a last line without a line end is still a line. */
  end(): void {
    this.take(this.decoder.end());
    if (this.current.length > 0 && !this.dropping) this.onLine(this.current);
    this.current = '';
    this.dropping = false;
  }

  private take(text: string): void {
    let start = 0;
    if (this.afterCr && text.startsWith('\n')) start = 1;
    if (text.length > 0) this.afterCr = false;
    for (let i = start; i < text.length; i++) {
      const char = text[i];
      if (char !== '\n' && char !== '\r') continue;
      this.append(text.slice(start, i));
      if (!this.dropping) this.onLine(this.current);
      this.current = '';
      this.dropping = false;
      if (char === '\r') {
        if (i + 1 === text.length) this.afterCr = true;
        else if (text[i + 1] === '\n') i++;
      }
      start = i + 1;
    }
    this.append(text.slice(start));
  }

  private append(piece: string): void {
    if (this.dropping || piece.length === 0) return;
    const room = this.maxLine - this.current.length;
    if (piece.length <= room) {
      this.current += piece;
      return;
    }
    this.onLine(`${this.current}${piece.slice(0, room)}…`);
    this.current = '';
    this.dropping = true;
  }
}
