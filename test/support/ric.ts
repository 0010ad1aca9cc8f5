import { cp } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The official Node runtime interface client (npm `aws-lambda-ric`), when it is built here.
 * Missing, it is a printed skip, or a failure where CI sets NIMBUS_REQUIRE_RIC=1.
 */
export function findRic(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve("aws-lambda-ric/package.json"));
  } catch {
    const reason =
      "aws-lambda-ric is not installed (npm install builds it; it needs cmake, autoconf, automake and libtool)";
    if (process.env.NIMBUS_REQUIRE_RIC === "1") throw new Error(`aws-lambda-ric required but ${reason}`);
    console.warn(`SKIPPING runtime interface client tests: ${reason}`);
    return undefined;
  }
}

/** Copies what the client needs at run time (entry point, built JS, native addon) into a code folder. */
export async function copyRicInto(ricDir: string, codeDir: string): Promise<void> {
  for (const part of ["package.json", "bin", "dist"]) {
    await cp(join(ricDir, part), join(codeDir, "node_modules/aws-lambda-ric", part), { recursive: true });
  }
}
