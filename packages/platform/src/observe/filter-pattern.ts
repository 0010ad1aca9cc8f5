import { invalidPattern, readQuoted, unsupported } from "./filter-pattern-syntax.js";
import { compileJsonPattern } from "./json-filter-pattern.js";

/** Decides whether one log message matches a compiled filter pattern. */
export type MessageMatcher = (message: string) => boolean;

interface Term {
  kind: "required" | "optional" | "excluded";
  text: string;
}

/**
 * Compiles a CloudWatch Logs filter pattern. Supported:
 * - terms (case-sensitive substrings): `ERROR Exception` needs every plain term, `-term`
 *   excludes, and when `?term`s are present at least one of them must appear;
 *   `"quoted phrases"` may hold spaces and punctuation (escape `"` and `\` with `\`);
 * - JSON patterns `{ $.a.b[0] = "x*" && ($.n >= 3 || $.ok IS TRUE) }` (see json-filter-pattern.ts).
 * Space-delimited (`[a, b]`) and regex (`%...%`) patterns raise InvalidParameterException.
 */
export function compileFilterPattern(pattern: string | undefined): MessageMatcher {
  const text = (pattern ?? "").trim();
  if (text === "") return () => true;
  if (text.startsWith("{")) return compileJsonPattern(text);
  if (text.startsWith("[")) {
    throw unsupported("space-delimited filter patterns ([w1, w2, ...])", text);
  }
  return compileTerms(parseTerms(text), text);
}

function parseTerms(text: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i] ?? "")) {
      i++;
      continue;
    }
    let kind: Term["kind"] = "required";
    const first = text[i];
    const next = text[i + 1];
    if ((first === "?" || first === "-") && next !== undefined && !/\s/.test(next)) {
      kind = first === "?" ? "optional" : "excluded";
      i++;
    }
    if (text[i] === '"') {
      const { value, end } = readQuoted(text, i);
      if (end < text.length && !/\s/.test(text[end] ?? "")) {
        throw invalidPattern(`unexpected character after the quoted term at position ${end}`, text);
      }
      terms.push({ kind, text: value });
      i = end;
      continue;
    }
    let end = i;
    while (end < text.length && !/\s/.test(text[end] ?? "")) end++;
    const word = text.slice(i, end);
    if (word.length >= 2 && word.startsWith("%") && word.endsWith("%")) {
      throw unsupported("regular expression terms (%regex%)", text);
    }
    if (word.includes('"')) throw invalidPattern(`a quote inside the unquoted term ${word}`, text);
    terms.push({ kind, text: word });
    i = end;
  }
  return terms;
}

function compileTerms(terms: Term[], pattern: string): MessageMatcher {
  const required = terms.filter((t) => t.kind === "required").map((t) => t.text);
  const optional = terms.filter((t) => t.kind === "optional").map((t) => t.text);
  const excluded = terms.filter((t) => t.kind === "excluded").map((t) => t.text);
  if (required.length === 0 && optional.length === 0 && excluded.length === 0) {
    throw invalidPattern("no terms", pattern);
  }
  return (message) =>
    required.every((t) => message.includes(t)) &&
    !excluded.some((t) => message.includes(t)) &&
    (optional.length === 0 || optional.some((t) => message.includes(t)));
}
