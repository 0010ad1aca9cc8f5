import type { DeployPlan, DeployResult } from "../../lib/deploy-stack.js";
import { table } from "../../lib/output.js";
import type { DeployEvent } from "../../lib/stack-state.js";

/** One stack event as a progress line. */
export function eventLine(event: DeployEvent): string {
  const time = event.timestamp.slice(11, 19);
  const reason = event.reason ? `  ${event.reason}` : "";
  return `  ${time}  ${event.status.padEnd(28)} ${event.resourceType.padEnd(34)} ${event.logicalId}${reason}`;
}

/** The change set as a table plus its notes (what Nimbus does not apply, or records only). */
export function planText(plan: DeployPlan): string {
  const lines: string[] = [];
  lines.push(`Change set (${plan.changeSetType}):`);
  if (plan.changes.length === 0) lines.push("  (no resource changes)");
  else {
    const rows = plan.changes.map((c) => [c.action, c.logicalId, c.resourceType, c.replacement ?? "-"]);
    lines.push(indent(table(["Action", "LogicalId", "Type", "Replacement"], rows)));
  }
  if (plan.notes.length > 0) {
    lines.push("", "Notes:");
    for (const note of plan.notes) {
      // "Not applied by Nimbus: a; b" -> a heading and one item per line.
      const m = /^([^:]{1,60}):\s+(.*)$/.exec(note);
      if (!m) {
        lines.push(`  ${note}`);
        continue;
      }
      lines.push(`  ${m[1]}:`);
      for (const item of (m[2] ?? "").split("; ")) lines.push(`    - ${item}`);
    }
  }
  return lines.join("\n");
}

/** The outputs table, or nothing. */
export function outputsText(result: Pick<DeployResult, "outputDetails">): string {
  if (result.outputDetails.length === 0) return "";
  const rows = result.outputDetails.map((o) => [o.key, o.value, o.description ?? ""]);
  return `Outputs:\n${indent(table(["Key", "Value", "Description"], rows))}`;
}

export function indent(text: string, prefix = "  "): string {
  return text
    .split("\n")
    .map((l) => (l ? prefix + l : l))
    .join("\n");
}
