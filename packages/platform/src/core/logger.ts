import pino, { type Logger } from "pino";

export type { Logger };

/** The server log: JSON lines on stderr, so stdout stays for what the user asked to see. */
export function createLogger(level: string): Logger {
  return pino({ level, base: null }, pino.destination({ dest: 2, sync: false }));
}
