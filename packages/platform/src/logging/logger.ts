import pino, { type Logger } from 'pino';
import type { BaseConfig } from '../config/config';

export type { Logger };

export function createLogger(config: Pick<BaseConfig, 'LOG_LEVEL' | 'LOG_FORMAT' | 'NODE_ENV'>, name: string): Logger {
  const pretty =
    config.LOG_FORMAT === 'pretty' ||
    (config.LOG_FORMAT === 'auto' && config.NODE_ENV !== 'production' && process.stdout.isTTY === true);
  return pino({
    level: config.LOG_LEVEL,
    // Each service's logger is a child carrying `service`; the root only says which process.
    base: { process: name },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refreshToken'], remove: true },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}
