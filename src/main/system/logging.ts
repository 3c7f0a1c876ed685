import log from 'electron-log/node';

export type Logger = Pick<typeof log, 'error' | 'warn' | 'info' | 'verbose' | 'debug'>;

type Level = 'error' | 'warn' | 'info' | 'verbose' | 'debug' | 'silly';

/**
 * electron-log works in plain Node as well as in Electron's main process. Headless, the log goes
 * to stdout only: the container's root filesystem is read-only, and the runtime collects stdout.
 */
export function createLogger(level: Level, options: { file?: boolean } = {}): Logger {
  const logger = log.create({ logId: 'lucid-docker-manager' });
  logger.transports.console.level = level;
  logger.transports.console.format = '{iso} [{level}] {text}';
  logger.transports.file.level = options.file ? level : false;
  return logger;
}
