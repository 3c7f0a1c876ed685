import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { LucidError } from '../../shared/errors.js';

/**
 * Reads a YAML configuration file into plain data. Every failure is a VALIDATION_FAILED whose
 * message starts with the file, e.g. `hosts.yml: cannot read hosts config (ENOENT)`.
 */
export function readYamlFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new LucidError('VALIDATION_FAILED', `${path}: cannot read ${what} (${reason})`);
  }
  return parseYaml(path, text);
}

/**
 * YAML syntax errors carry their position and a code excerpt in the message; the excerpt (cut
 * with "…" on long lines) is dropped and the position kept. Resolving aliases can fail too (an
 * unknown anchor, an alias bomb): those are YAML errors of the same file.
 */
function parseYaml(path: string, text: string): unknown {
  const document = parseDocument(text, { uniqueKeys: true });
  const first = document.errors[0];
  if (first !== undefined) {
    const [line, column] = [first.linePos?.[0].line, first.linePos?.[0].col];
    const message = first.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
    const where = line === undefined ? '' : ` at line ${line}, column ${column}`;
    throw new LucidError('VALIDATION_FAILED', `${path}: invalid YAML${where}: ${message}`);
  }
  try {
    return document.toJS();
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : 'cannot be resolved';
    throw new LucidError('VALIDATION_FAILED', `${path}: invalid YAML: ${reason}`);
  }
}

/** The zod issues of a configuration file as one message: `file: path.inside: problem; …`. */
export function configProblems(path: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]): LucidError {
  const problems = issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  return new LucidError('VALIDATION_FAILED', `${path}: ${problems.join('; ')}`, { file: path, problems });
}
