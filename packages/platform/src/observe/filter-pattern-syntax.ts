import { logsError } from "./errors.js";

/** Errors and lexing shared by the term and JSON filter pattern compilers. */

export function unsupported(feature: string, pattern: string): Error {
  return logsError.invalidParameter(`Nimbus does not support ${feature} in filterPattern: ${pattern}`);
}

export function invalidPattern(reason: string, pattern: string): Error {
  return logsError.invalidParameter(`Invalid filterPattern (${reason}): ${pattern}`);
}

/** Reads the `"..."` starting at `start`; returns its unescaped text and the index after it. */
export function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && i + 1 < text.length) {
      value += text[i + 1];
      i++;
    } else if (c === '"') {
      return { value, end: i + 1 };
    } else {
      value += c;
    }
  }
  throw invalidPattern("unterminated quoted string", text);
}
