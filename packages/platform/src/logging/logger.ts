import pino, { type Logger } from 'pino';
import type { BaseConfig } from '../config/config';
import { currentRequestContext } from './request-context';

export type { Logger };

/**
 * Adds the current request's id to every line written while serving it, whichever logger wrote it
 * (service code logs through ctx.log, not the request's logger). Lines of the request's own
 * logger already carry it as a binding and are left alone, so no line has the key twice. Runs only
 * for lines at an enabled level; the cost is one AsyncLocalStorage lookup.
 */
export function requestIdMixin(_object: object, _level: number, logger: unknown): Record<string, unknown> {
  const context = currentRequestContext();
  if (context === undefined || context.log === logger) return {};
  return { requestId: context.requestId };
}

/** `destination` is for tests that read the lines; a process logs to stdout. */
export function createLogger(
  config: Pick<BaseConfig, 'LOG_LEVEL' | 'LOG_FORMAT' | 'NODE_ENV'>,
  name: string,
  destination?: pino.DestinationStream,
): Logger {
  const pretty =
    config.LOG_FORMAT === 'pretty' ||
    (config.LOG_FORMAT === 'auto' && config.NODE_ENV !== 'production' && process.stdout.isTTY === true);
  const options: pino.LoggerOptions = {
    level: config.LOG_LEVEL,
    // Each service's logger is a child carrying `service`; the root only says which process.
    base: { process: name },
    mixin: requestIdMixin,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refreshToken'],
      remove: true,
    },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(pretty && !destination
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}
