import { type Command, CommanderError } from "commander";
import { CliError, EXIT_FAILED, EXIT_USAGE } from "./cli-error.js";
import { describeError } from "./clients.js";

/**
 * Parses the command line and turns every failure into the documented exit code: 2 for usage
 * errors (commander's own, and `CliError`s made by `usageError`), 1 for operations that failed.
 * Call `program.exitOverride()` before registering commands so commander's errors arrive here.
 */
export async function runCli(program: Command, argv: string[] = process.argv): Promise<void> {
  // `nimbus ... | head`: a reader that went away is not an error of ours.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exit(exitCodeFor(error));
  }
}

/** Prints the error (unless already printed) and answers the exit code. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help / version) already.
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (error instanceof CliError) {
    if (error.message) process.stderr.write(`nimbus: ${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(`nimbus: ${describeError(error)}\n`);
  return EXIT_FAILED;
}
