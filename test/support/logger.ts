import type { Logger } from '../../src/main/system/logging.js';

export interface CapturedLogger extends Logger {
  lines: { level: string; text: string }[];
}

/** A logger that keeps what it was told, to assert on warnings. */
export function captureLogger(): CapturedLogger {
  const lines: { level: string; text: string }[] = [];
  const at =
    (level: string) =>
    (...params: unknown[]) => {
      lines.push({ level, text: params.map(String).join(' ') });
    };
  return { lines, error: at('error'), warn: at('warn'), info: at('info'), verbose: at('verbose'), debug: at('debug') };
}
