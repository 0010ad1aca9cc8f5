import { isJsonObject, type Json, jsonEquals } from "./json.js";
import { compilePath, JsonPathSyntaxError, queryPath } from "./jsonpath.js";

/**
 * Filter expressions inside `[?( ... )]`: `@` is the candidate node, `$` the document root.
 * Supports `== != < <= > >= =~ in nin subsetof anyof noneof size empty`, `&& || !`,
 * parentheses, existence tests (`@.x`), and literals (numbers, quoted strings, true, false,
 * null, arrays, regular expressions `/re/i`).
 */
export type FilterExpr =
  | { kind: "or"; left: FilterExpr; right: FilterExpr }
  | { kind: "and"; left: FilterExpr; right: FilterExpr }
  | { kind: "not"; expr: FilterExpr }
  | { kind: "exists"; operand: Operand }
  | { kind: "compare"; op: string; left: Operand; right: Operand };

type Operand =
  | { kind: "path"; relative: boolean; path: string }
  | { kind: "literal"; value: Json }
  | { kind: "regex"; source: string; flags: string };

const OPERATORS = ["==", "!=", "<=", ">=", "=~", "<", ">"];
const WORD_OPERATORS = ["nin", "in", "subsetof", "anyof", "noneof", "size", "empty"];

/** Parses the text inside `[?( )]`; `fullPath` is used in error messages. */
export function parseFilter(source: string, fullPath: string): FilterExpr {
  const parser = new FilterParser(source, fullPath);
  const expr = parser.parseOr();
  parser.skipSpace();
  if (!parser.done()) parser.fail("unexpected trailing text");
  return expr;
}

class FilterParser {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly fullPath: string,
  ) {}

  done(): boolean {
    return this.pos >= this.src.length;
  }

  fail(detail: string): never {
    throw new JsonPathSyntaxError(this.fullPath, `${detail} in filter at position ${this.pos}`);
  }

  skipSpace(): void {
    while (/\s/.test(this.src[this.pos] ?? "")) this.pos++;
  }

  private eat(token: string): boolean {
    this.skipSpace();
    if (this.src.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  parseOr(): FilterExpr {
    let left = this.parseAnd();
    while (this.eat("||")) left = { kind: "or", left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): FilterExpr {
    let left = this.parseUnary();
    while (this.eat("&&")) left = { kind: "and", left, right: this.parseUnary() };
    return left;
  }

  private parseUnary(): FilterExpr {
    this.skipSpace();
    if (this.src[this.pos] === "!" && this.src[this.pos + 1] !== "=") {
      this.pos++;
      return { kind: "not", expr: this.parseUnary() };
    }
    if (this.src[this.pos] === "(") {
      this.pos++;
      const inner = this.parseOr();
      if (!this.eat(")")) this.fail("missing ')'");
      return inner;
    }
    const left = this.parseOperand();
    this.skipSpace();
    const op = this.readOperator();
    if (op === undefined) {
      if (left.kind !== "path") this.fail("a literal is not a condition");
      return { kind: "exists", operand: left };
    }
    return { kind: "compare", op, left, right: this.parseOperand() };
  }

  private readOperator(): string | undefined {
    for (const op of OPERATORS) {
      if (this.src.startsWith(op, this.pos)) {
        this.pos += op.length;
        return op;
      }
    }
    for (const word of WORD_OPERATORS) {
      const after = this.src[this.pos + word.length] ?? " ";
      if (this.src.startsWith(word, this.pos) && /[\s[('"\d-]/.test(after)) {
        this.pos += word.length;
        return word;
      }
    }
    return undefined;
  }

  private parseOperand(): Operand {
    this.skipSpace();
    const ch = this.src[this.pos];
    if (ch === "@" || ch === "$") return this.parsePathOperand(ch === "@");
    if (ch === "'" || ch === '"') return { kind: "literal", value: this.parseString() };
    if (ch === "/") return this.parseRegex();
    if (ch === "[") return { kind: "literal", value: this.parseArray() };
    const word = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(this.src.slice(this.pos));
    if (!word) this.fail("expected an operand");
    this.pos += word[0].length;
    return { kind: "literal", value: JSON.parse(word[0]) as Json };
  }

  private parsePathOperand(relative: boolean): Operand {
    const start = this.pos;
    this.pos++;
    let depth = 0;
    let quote: string | undefined;
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos] as string;
      if (quote) {
        if (ch === "\\") this.pos++;
        else if (ch === quote) quote = undefined;
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (ch === "[") depth++;
      else if (ch === "]") depth--;
      else if (depth === 0 && !/[\w.*$-]/.test(ch)) break;
      this.pos++;
    }
    return { kind: "path", relative, path: `$${this.src.slice(start + 1, this.pos)}` };
  }

  private parseString(): string {
    const quote = this.src[this.pos];
    let out = "";
    this.pos++;
    while (this.pos < this.src.length && this.src[this.pos] !== quote) {
      if (this.src[this.pos] === "\\") this.pos++;
      out += this.src[this.pos] ?? "";
      this.pos++;
    }
    if (this.src[this.pos] !== quote) this.fail("unterminated string");
    this.pos++;
    return out;
  }

  private parseRegex(): Operand {
    const end = this.src.indexOf("/", this.pos + 1);
    if (end < 0) this.fail("unterminated regular expression");
    const source = this.src.slice(this.pos + 1, end);
    this.pos = end + 1;
    const flags = /^[a-z]*/.exec(this.src.slice(this.pos))?.[0] ?? "";
    this.pos += flags.length;
    return { kind: "regex", source, flags };
  }

  private parseArray(): Json[] {
    this.pos++;
    const items: Json[] = [];
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] === "]") {
        this.pos++;
        return items;
      }
      const item = this.parseOperand();
      if (item.kind !== "literal") this.fail("array literals may hold only literals");
      items.push(item.value);
      this.skipSpace();
      if (this.src[this.pos] === ",") this.pos++;
    }
  }
}

/** Evaluates a filter for one candidate node (`@`) of a document (`$`). */
export function evaluateFilter(expr: FilterExpr, current: Json, root: Json): boolean {
  switch (expr.kind) {
    case "or":
      return evaluateFilter(expr.left, current, root) || evaluateFilter(expr.right, current, root);
    case "and":
      return evaluateFilter(expr.left, current, root) && evaluateFilter(expr.right, current, root);
    case "not":
      return !evaluateFilter(expr.expr, current, root);
    case "exists":
      return resolve(expr.operand, current, root) !== undefined;
    case "compare":
      return compare(expr.op, expr.left, expr.right, current, root);
  }
}

function resolve(operand: Operand, current: Json, root: Json): Json | RegExp | undefined {
  if (operand.kind === "literal") return operand.value;
  if (operand.kind === "regex") return new RegExp(operand.source, operand.flags);
  const result = queryPath(compilePath(operand.path), operand.relative ? current : root);
  return result.found ? result.value : undefined;
}

function compare(op: string, l: Operand, r: Operand, current: Json, root: Json): boolean {
  const a = resolve(l, current, root);
  const b = resolve(r, current, root);
  if (a === undefined || b === undefined || a instanceof RegExp) return false;
  if (op === "=~") return b instanceof RegExp && typeof a === "string" && b.test(a);
  if (b instanceof RegExp) return false;
  switch (op) {
    case "==":
      return jsonEquals(a, b);
    case "!=":
      return !jsonEquals(a, b);
    case "<":
    case "<=":
    case ">":
    case ">=":
      return ordered(op, a, b);
    case "in":
      return Array.isArray(b) && b.some((x) => jsonEquals(a, x));
    case "nin":
      return Array.isArray(b) && !b.some((x) => jsonEquals(a, x));
    case "subsetof":
      return Array.isArray(a) && Array.isArray(b) && a.every((x) => b.some((y) => jsonEquals(x, y)));
    case "anyof":
      return Array.isArray(a) && Array.isArray(b) && a.some((x) => b.some((y) => jsonEquals(x, y)));
    case "noneof":
      return Array.isArray(a) && Array.isArray(b) && !a.some((x) => b.some((y) => jsonEquals(x, y)));
    case "size":
      return typeof b === "number" && (typeof a === "string" || Array.isArray(a)) && a.length === b;
    case "empty": {
      const isEmpty =
        typeof a === "string" || Array.isArray(a)
          ? a.length === 0
          : isJsonObject(a) && Object.keys(a).length === 0;
      return b === isEmpty;
    }
    default:
      return false;
  }
}

function ordered(op: string, a: Json, b: Json): boolean {
  if (
    !((typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string"))
  ) {
    return false;
  }
  if (op === "<") return a < b;
  if (op === "<=") return a <= b;
  if (op === ">") return a > b;
  return a >= b;
}
