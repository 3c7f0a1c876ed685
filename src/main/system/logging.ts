import log from 'electron-log/node';

export type Logger = Pick<typeof log, 'error' | 'warn' | 'info' | 'verbose' | 'debug'>;

type Level = 'error' | 'warn' | 'info' | 'verbose' | 'debug' | 'silly';

/**
 * electron-log works in plain Node as well as in Electron's main process. Headless, the log goes
 * to stdout only: the container's root filesystem is read-only, and the runtime collects stdout.
 */
const RANK: Record<Level, number> = { error: 0, warn: 1, info: 2, verbose: 3, debug: 4, silly: 5 };
const ignore = (): void => {};

export function createLogger(level: Level, options: { file?: boolean } = {}): Logger {
  const logger = log.create({ logId: 'lucid-docker-manager' });
  logger.transports.console.level = level;
  logger.transports.console.format = '{iso} [{level}] {text}';
  logger.transports.file.level = options.file ? level : false;
  // electron-log builds and dispatches every message before each transport drops it by level: a
  // line per answered read at debug would cost every request that much for nothing.
  const at = (wanted: Exclude<Level, 'silly'>) => (RANK[wanted] <= RANK[level] ? logger[wanted].bind(logger) : ignore);
  return { error: at('error'), warn: at('warn'), info: at('info'), verbose: at('verbose'), debug: at('debug') };
}

/** The same logger, each line starting with `prefix` (a host's name, say). */
export function prefixedLogger(logger: Logger, prefix: string): Logger {
  return {
    ...logger,
    error: (message, ...rest) => logger.error(prefix + String(message), ...rest),
    warn: (message, ...rest) => logger.warn(prefix + String(message), ...rest),
    info: (message, ...rest) => logger.info(prefix + String(message), ...rest),
    verbose: (message, ...rest) => logger.verbose(prefix + String(message), ...rest),
    debug: (message, ...rest) => logger.debug(prefix + String(message), ...rest),
  };
}
