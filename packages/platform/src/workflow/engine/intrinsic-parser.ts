import type { Json } from "./json.js";

/** One argument of an intrinsic function call. */
export type IntrinsicArg =
  | { kind: "literal"; value: Json /** string literals only: the text with its escapes kept */; raw?: string }
  | { kind: "path"; path: string }
  | { kind: "call"; name: string; args: IntrinsicArg[] };

export interface IntrinsicCall {
  kind: "call";
  name: string;
  args: IntrinsicArg[];
}

/** An intrinsic function call that does not parse. */
export class IntrinsicSyntaxError extends Error {
  constructor(text: string, detail: string) {
    super(`Invalid intrinsic function '${text}': ${detail}`);
    this.name = "IntrinsicSyntaxError";
  }
}

/** Intrinsics may nest at most this deep (AWS limit). */
export const MAX_INTRINSIC_DEPTH = 10;

/** Whether a `.$` value is an intrinsic call rather than a path. */
export function isIntrinsicCall(text: string): boolean {
  return /^States\.[A-Za-z0-9]+\s*\(/.test(text);
}

/**
 * Parses `States.Name(arg, ...)`. Arguments are single-quoted strings (escapes `\'`, `\{`,
 * `\}`, `\\`), numbers, `true`, `false`, `null`, paths (`$.x`, `$$.x`, `$var`) and nested calls.
 */
export function parseIntrinsic(text: string): IntrinsicCall {
  const parser = new Parser(text);
  const call = parser.call(1);
  parser.space();
  if (!parser.atEnd()) parser.fail("unexpected text after the closing parenthesis");
  return call;
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  fail(detail: string): never {
    throw new IntrinsicSyntaxError(this.text, `${detail} (at position ${this.pos})`);
  }

  space(): void {
    while (/\s/.test(this.text[this.pos] ?? "")) this.pos++;
  }

  call(depth: number): IntrinsicCall {
    if (depth > MAX_INTRINSIC_DEPTH)
      this.fail(`intrinsic functions nest at most ${MAX_INTRINSIC_DEPTH} deep`);
    const match = /^States\.([A-Za-z0-9]+)\s*\(/.exec(this.text.slice(this.pos));
    if (!match) this.fail("expected States.<Function>(");
    this.pos += match[0].length;
    const args: IntrinsicArg[] = [];
    this.space();
    if (this.text[this.pos] === ")") {
      this.pos++;
      return { kind: "call", name: `States.${match[1]}`, args };
    }
    for (;;) {
      args.push(this.arg(depth));
      this.space();
      const ch = this.text[this.pos];
      this.pos++;
      if (ch === ")") return { kind: "call", name: `States.${match[1]}`, args };
      if (ch !== ",") this.fail("expected ',' or ')'");
    }
  }

  private arg(depth: number): IntrinsicArg {
    this.space();
    const rest = this.text.slice(this.pos);
    const ch = rest[0];
    if (ch === "'") return this.string();
    if (ch === "$") return { kind: "path", path: this.path() };
    if (rest.startsWith("States.")) return this.call(depth + 1);
    const word = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(rest);
    if (!word) this.fail("expected an argument");
    this.pos += word[0].length;
    return { kind: "literal", value: JSON.parse(word[0]) as Json };
  }

  private string(): IntrinsicArg {
    this.pos++;
    let value = "";
    let raw = "";
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos] as string;
      if (ch === "\\") {
        const next = this.text[this.pos + 1];
        if (next === undefined) this.fail("dangling escape");
        value += next;
        raw += ch + next;
        this.pos += 2;
        continue;
      }
      if (ch === "'") {
        this.pos++;
        return { kind: "literal", value, raw };
      }
      value += ch;
      raw += ch;
      this.pos++;
    }
    this.fail("unterminated string literal");
  }

  private path(): string {
    const start = this.pos;
    let depth = 0;
    let quote: string | undefined;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos] as string;
      if (quote) {
        if (ch === "\\") this.pos++;
        else if (ch === quote) quote = undefined;
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (ch === "[" || ch === "(") depth++;
      else if (ch === "]") depth--;
      else if (ch === ")") {
        if (depth === 0) break;
        depth--;
      } else if (ch === "," && depth === 0) break;
      this.pos++;
    }
    return this.text.slice(start, this.pos).trim();
  }
}
