import { systemClock } from "../../packages/platform/src/core/clock.js";
import { createLogger } from "../../packages/platform/src/core/logger.js";
import type { NimbusServer } from "../../packages/platform/src/index.js";
import type { ProviderContext } from "../../packages/platform/src/stacks/model.js";

/**
 * A ProviderContext on a running server, as the stack engine builds one: for tests of resource
 * providers against the real services (no engine involved).
 */
export function providerContext(
  server: NimbusServer,
  stackName = "test-stack",
): ProviderContext & { notes: string[] } {
  const notes: string[] = [];
  let counter = 0;
  return {
    stackName,
    stackId: `arn:aws:cloudformation:us-east-1:000000000000:stack/${stackName}/00000000-0000-0000-0000-000000000000`,
    region: "us-east-1",
    accountId: "000000000000",
    api: server.api,
    clock: systemClock,
    logger: createLogger("silent"),
    physicalName(logicalId, options = {}) {
      counter += 1;
      const suffix = options.suffix ?? `T${String(counter).padStart(11, "0")}`;
      const max = options.maxLength ?? 64;
      let name = `${stackName}-${logicalId}`.slice(0, max - suffix.length - 1);
      name = `${name}-${suffix}`;
      return options.lowerCase ? name.toLowerCase() : name;
    },
    note(logicalId, message) {
      notes.push(`${logicalId}: ${message}`);
    },
    notes,
  };
}
