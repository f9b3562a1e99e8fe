/**
 * Structured JSON logs for the services (hub, agent): pino, one child logger per component,
 * constant messages with fields. The CLI does not use this; it prints for humans.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(service: 'hub' | 'agent', level = process.env.SKIFF_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service, pid: process.pid } });
}
