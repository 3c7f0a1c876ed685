import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ROLES } from '../../shared/permissions.js';
import { readKeyFile } from '../auth/dev-key-file.js';
import { mintToken, subjectSchema } from '../auth/tokens.js';
import { loadConfig, type Config } from '../config/env.js';

const MAX_TTL_SECONDS = 30 * 24 * 3600;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

export const USAGE = `usage: npm run token -- --role user|developer|admin --sub NAME [--ttl 1h] [--key-file PATH]

Prints a JWT signed with the configured JWT_SECRET_KEY (or the key in --key-file, a
private file such as the one a development server writes), for audience JWT_AUDIENCE
(and issuer JWT_ISSUER when set). --ttl is seconds or a number with s, m, h or d
(default 1h, at most JWT_MAX_TTL_SECONDS, 24h unless set). The token goes to stdout,
a summary to stderr.
Installed without dev dependencies: node dist/main/cli/token.js --role … --sub …`;

/** 86400 → "1d", 5400 → "90m": the largest unit that divides the seconds. */
function formatDuration(seconds: number): string {
  const unit = (['d', 'h', 'm'] as const).find((u) => seconds % UNIT_SECONDS[u] === 0) ?? 's';
  return `${seconds / UNIT_SECONDS[unit]}${unit}`;
}

const ttlSchema = z
  .string()
  .regex(/^\d{1,7}[smhd]?$/, 'must be like 90, 15m, 1h or 7d')
  .transform((text) => {
    const unit = /[smhd]$/.test(text) ? (text.slice(-1) as keyof typeof UNIT_SECONDS) : 's';
    return Number.parseInt(text, 10) * UNIT_SECONDS[unit];
  })
  .pipe(z.number().int().min(1, 'must be at least 1 s').max(MAX_TTL_SECONDS, 'must be at most 30d'));

const argsSchema = z.object({
  role: z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` }),
  sub: z.string({ message: 'is required' }).pipe(subjectSchema),
  ttl: ttlSchema.default(3600),
  'key-file': z.string().min(1).optional(),
});

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Only an HS256 secret can be minted with here: an asymmetric key's private half lives elsewhere. */
function secretOf(config: Config, keyFile: string | undefined): string {
  if (config.JWT_PUBLIC_KEY || config.JWT_JWKS_URL) {
    throw new CliError(
      'the manager is configured to verify RS256/ES256 tokens (JWT_PUBLIC_KEY or JWT_JWKS_URL): ' +
        'mint them with the private key where it lives, not here',
      1,
    );
  }
  if (keyFile !== undefined) return secretFromFile(keyFile);
  if (!config.JWT_SECRET_KEY) {
    throw new CliError(
      'JWT_SECRET_KEY is not set: export the key the manager runs with (at least 32 bytes). ' +
        'A development server started without a key prints its throwaway key with this command at start.',
      1,
    );
  }
  return config.JWT_SECRET_KEY;
}

function secretFromFile(path: string): string {
  let secret: string;
  try {
    secret = readKeyFile(path);
  } catch (err) {
    throw new CliError(`--key-file: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
  if (Buffer.byteLength(secret, 'utf8') < 32) throw new CliError(`--key-file: the key in ${path} is shorter than 32 bytes`, 1);
  return secret;
}

export async function mintFromCli(argv: string[], env: Record<string, string | undefined>) {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        role: { type: 'string' },
        sub: { type: 'string' },
        ttl: { type: 'string' },
        'key-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliError(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`, 2);
  }
  if (values['help']) throw new CliError(USAGE, 0);
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `--${issue.path.join('.')} ${issue.message}`);
    throw new CliError(`${problems.join('\n')}\n\n${USAGE}`, 2);
  }
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), 1);
  }
  const { role, sub, ttl } = parsed.data;
  if (ttl > config.JWT_MAX_TTL_SECONDS) {
    const max = formatDuration(config.JWT_MAX_TTL_SECONDS);
    throw new CliError(`--ttl must be at most ${max} (JWT_MAX_TTL_SECONDS=${config.JWT_MAX_TTL_SECONDS})\n\n${USAGE}`, 2);
  }
  const token = await mintToken({
    secret: secretOf(config, parsed.data['key-file']),
    sub,
    role,
    ttlSeconds: ttl,
    audience: config.JWT_AUDIENCE,
    issuer: config.JWT_ISSUER,
  });
  const expires = new Date(Date.now() + ttl * 1000).toISOString();
  return { token, summary: `${role} token for ${sub}, audience ${config.JWT_AUDIENCE}, valid until ${expires}` };
}

async function main(): Promise<void> {
  try {
    const { token, summary } = await mintFromCli(process.argv.slice(2), process.env);
    process.stderr.write(`${summary}\n`);
    process.stdout.write(`${token}\n`);
  } catch (err) {
    const exitCode = err instanceof CliError ? err.exitCode : 1;
    const message = err instanceof Error ? err.message : String(err);
    (exitCode === 0 ? process.stdout : process.stderr).write(`${exitCode === 0 ? '' : 'token: '}${message}\n`);
    process.exitCode = exitCode;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  void main();
}
