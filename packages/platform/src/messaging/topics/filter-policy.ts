import type { MessageAttributeValue } from "./message-attributes.js";

/**
 * Matching of SNS filter policies (already validated by `parseFilterPolicy`). A policy matches
 * when every key matches (AND); a key matches when any of its rules matches any of the message's
 * values for that key (OR); `$or` branches match when any branch does.
 *
 * Attribute scope: keys are message attribute names. String attributes match string rules;
 * Number attributes (and numbers inside String.Array) match numbers and `numeric`; String.Array
 * matches when any element does; Binary attributes only satisfy `exists`.
 * Body scope: the message must be a JSON object; nested keys follow it; arrays match when any
 * element matches; a message that is not JSON matches no policy.
 */
type Scalar = string | number | boolean | null;

/** The values a key of the message holds; `present` is false when the key is missing. */
interface Candidates {
  present: boolean;
  values: Scalar[];
}

export function matchesAttributes(
  policy: Record<string, unknown>,
  attributes: Record<string, MessageAttributeValue>,
): boolean {
  // Nested levels are rejected for this scope by validation; they never match.
  return matchLevel(
    policy,
    (key) => attributeCandidates(attributes[key]),
    () => undefined,
  );
}

export function matchesBody(policy: Record<string, unknown>, message: string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return false;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  return matchObject(policy, [body]);
}

function matchObject(policy: Record<string, unknown>, nodes: unknown[]): boolean {
  return matchLevel(
    policy,
    (key) => bodyCandidates(nodes, key),
    (key) => childObjects(nodes, key),
  );
}

function matchLevel(
  policy: Record<string, unknown>,
  candidates: (key: string) => Candidates,
  children: (key: string) => unknown[] | undefined,
): boolean {
  for (const [key, rules] of Object.entries(policy)) {
    if (key === "$or") {
      const branches = rules as Record<string, unknown>[];
      if (!branches.some((branch) => matchLevel(branch, candidates, children))) return false;
    } else if (Array.isArray(rules)) {
      if (!matchKey(rules, candidates(key))) return false;
    } else {
      // A nested level: a missing object gives no nodes, so only `exists: false` rules match it.
      const nested = children(key);
      if (nested === undefined || !matchObject(rules as Record<string, unknown>, nested)) return false;
    }
  }
  return true;
}

function isExists(rule: unknown, value: boolean): boolean {
  return typeof rule === "object" && rule !== null && (rule as { exists?: unknown }).exists === value;
}

function matchKey(rules: unknown[], found: Candidates): boolean {
  return rules.some((rule) => {
    if (isExists(rule, true)) return found.present;
    if (isExists(rule, false)) return !found.present;
    return found.values.some((value) => matchRule(rule, value));
  });
}

function matchRule(rule: unknown, value: Scalar): boolean {
  if (rule === null || typeof rule !== "object") return rule === value;
  const [operator, operand] = Object.entries(rule)[0] as [string, unknown];
  switch (operator) {
    case "prefix":
      return typeof value === "string" && value.startsWith(operand as string);
    case "suffix":
      return typeof value === "string" && value.endsWith(operand as string);
    case "equals-ignore-case":
      return typeof value === "string" && value.toLowerCase() === (operand as string).toLowerCase();
    case "numeric":
      return typeof value === "number" && matchNumeric(operand as unknown[], value);
    case "anything-but":
      return matchAnythingBut(operand, value);
    default:
      return false;
  }
}

function matchNumeric(terms: unknown[], value: number): boolean {
  for (let i = 0; i + 1 < terms.length; i += 2) {
    const bound = terms[i + 1] as number;
    const ok =
      terms[i] === "="
        ? value === bound
        : terms[i] === "<"
          ? value < bound
          : terms[i] === "<="
            ? value <= bound
            : terms[i] === ">"
              ? value > bound
              : value >= bound;
    if (!ok) return false;
  }
  return true;
}

function matchAnythingBut(operand: unknown, value: Scalar): boolean {
  if (Array.isArray(operand)) return !operand.some((excluded) => excluded === value);
  if (typeof operand === "object" && operand !== null) {
    if (typeof value !== "string") return false;
    const [inner, pattern] = Object.entries(operand)[0] as [string, unknown];
    const patterns = (Array.isArray(pattern) ? pattern : [pattern]) as string[];
    const hit = patterns.some((p) =>
      inner === "prefix"
        ? value.startsWith(p)
        : inner === "suffix"
          ? value.endsWith(p)
          : value.toLowerCase() === p.toLowerCase(),
    );
    return !hit;
  }
  return operand !== value;
}

function attributeCandidates(attribute: MessageAttributeValue | undefined): Candidates {
  if (!attribute) return { present: false, values: [] };
  const base = attribute.dataType.split(".")[0];
  const text = attribute.stringValue ?? "";
  if (attribute.dataType === "String.Array") {
    try {
      const items = JSON.parse(text) as unknown[];
      return { present: true, values: items.filter(isScalar) };
    } catch {
      return { present: true, values: [] };
    }
  }
  if (base === "Number") return { present: true, values: [Number(text)] };
  if (base === "String") return { present: true, values: [text] };
  return { present: true, values: [] };
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

/** The scalars under `key` of each node, looking through arrays (of objects, too). */
function bodyCandidates(nodes: unknown[], key: string): Candidates {
  const values: Scalar[] = [];
  let present = false;
  for (const node of nodes) {
    if (typeof node !== "object" || node === null || Array.isArray(node) || !Object.hasOwn(node, key))
      continue;
    for (const leaf of flatten((node as Record<string, unknown>)[key])) {
      if (isScalar(leaf)) {
        values.push(leaf);
        present = true;
      }
    }
  }
  return { present, values };
}

/** The objects under `key` of each node (arrays of objects flattened), for a nested policy level. */
function childObjects(nodes: unknown[], key: string): unknown[] {
  const out: unknown[] = [];
  for (const node of nodes) {
    if (typeof node !== "object" || node === null || Array.isArray(node) || !Object.hasOwn(node, key))
      continue;
    for (const leaf of flatten((node as Record<string, unknown>)[key]))
      if (typeof leaf === "object" && leaf !== null) out.push(leaf);
  }
  return out;
}

function flatten(value: unknown): unknown[] {
  return Array.isArray(value) ? value.flatMap(flatten) : [value];
}
