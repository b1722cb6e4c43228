// The one logger: JSON lines from pino, each carrying the service name and,
// inside a request, its request id (and, when traced, trace_id and span_id). `npm start` pretty-prints them.
import { pino } from 'pino';
import { currentContext } from './context.ts';
import { traceFields } from './telemetry.ts';

export type Logger = pino.Logger;

/** Where lines go: stdout, unless a test hands in its own destination. */
export type LogDestination = pino.DestinationStream;

export function createLogger(service: string, level: string, destination?: LogDestination): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => {
      const context = currentContext();
      return context ? { requestId: context.requestId, ...traceFields() } : traceFields();
    },
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.password'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
