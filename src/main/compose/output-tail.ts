/** Keeps the last lines of a run: the answer carries them, and errors quote the end. */
export class OutputTail {
  private readonly kept: string[] = [];

  constructor(private readonly limit: number) {}

  push(line: string): void {
    this.kept.push(line);
    if (this.kept.length > this.limit) this.kept.shift();
  }

  lines(last = this.limit): string[] {
    return this.kept.slice(-last);
  }
}
