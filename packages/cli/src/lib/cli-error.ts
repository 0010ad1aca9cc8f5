/** Exit codes scripts can rely on (docs/cli.md). */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/**
 * An error the CLI reports as one line and turns into an exit code: 2 for a usage or input
 * problem (a bad flag value, a missing file, a template that does not parse), 1 for an operation
 * that failed (the server refused, a deploy rolled back, a function returned an error).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A usage or input error (exit code 2). */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT_USAGE);
}

/** An operation that failed (exit code 1) after its output was already printed. */
export class SilentFailure extends CliError {
  constructor(message = "") {
    super(message, EXIT_FAILED);
    this.name = "SilentFailure";
  }
}
