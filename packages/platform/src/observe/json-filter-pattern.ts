import { invalidPattern, readQuoted, unsupported } from "./filter-pattern-syntax.js";

/**
 * JSON filter patterns: `{ <expr> }` where expr combines comparisons with `&&`, `||` and
 * parentheses. A comparison is `<selector> <op> <value>` with op `=` `!=` (strings with `*`
 * wildcards, or numbers) or `<` `<=` `>` `>=` (numbers), or `<selector> IS TRUE|FALSE|NULL`,
 * `<selector> EXISTS`, `<selector> NOT EXISTS`. Selectors are `$.a.b` and `$.list[2]`.
 * A message that is not a JSON object or array matches nothing; a comparison on a missing field
 * is false (except NOT EXISTS).
 */

type Token =
  | { t: "punct"; v: "(" | ")" | "&&" | "||" | "=" | "!=" | "<" | "<=" | ">" | ">=" }
  | { t: "selector"; path: (string | number)[] }
  | { t: "string"; v: string }
  | { t: "word"; v: string };

type Node = (doc: unknown) => boolean;

const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

export function compileJsonPattern(pattern: string): (message: string) => boolean {
  if (!pattern.endsWith("}")) throw invalidPattern("a JSON pattern must end with }", pattern);
  const parser = new Parser(tokenize(pattern.slice(1, -1), pattern), pattern);
  const node = parser.parse();
  return (message) => {
    const trimmed = message.trimStart();
    if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return false;
    let doc: unknown;
    try {
      doc = JSON.parse(message);
    } catch {
      return false;
    }
    return node(doc);
  };
}

function tokenize(body: string, pattern: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i] ?? "";
    const two = body.slice(i, i + 2);
    if (/\s/.test(c)) {
      i++;
    } else if (two === "&&" || two === "||" || two === "!=" || two === "<=" || two === ">=") {
      tokens.push({ t: "punct", v: two });
      i += 2;
    } else if (c === "(" || c === ")" || c === "=" || c === "<" || c === ">") {
      tokens.push({ t: "punct", v: c });
      i++;
    } else if (c === '"') {
      const { value, end } = readQuoted(body, i);
      tokens.push({ t: "string", v: value });
      i = end;
    } else {
      let end = i;
      while (end < body.length && !/[\s()=!<>&|"]/.test(body[end] ?? "")) end++;
      if (end === i) throw invalidPattern(`unexpected ${JSON.stringify(c)}`, pattern);
      const word = body.slice(i, end);
      if (word.startsWith("%")) throw unsupported("regular expressions (%regex%)", pattern);
      tokens.push(
        word.startsWith("$") ? { t: "selector", path: parseSelector(word, pattern) } : { t: "word", v: word },
      );
      i = end;
    }
  }
  return tokens;
}

function parseSelector(text: string, pattern: string): (string | number)[] {
  const path: (string | number)[] = [];
  const segment = /\.([^.[\]*]+)|\[(\d+)\]/y;
  segment.lastIndex = 1;
  while (segment.lastIndex < text.length) {
    const at = segment.lastIndex;
    const m = segment.exec(text);
    if (!m) {
      if (text.slice(at).match(/^(\.\*|\[\*\])/)) throw unsupported(`the wildcard selector ${text}`, pattern);
      throw invalidPattern(`bad selector ${text}`, pattern);
    }
    path.push(m[1] !== undefined ? m[1] : Number(m[2]));
  }
  if (path.length === 0) throw invalidPattern(`bad selector ${text}`, pattern);
  return path;
}

class Parser {
  private i = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly pattern: string,
  ) {}

  parse(): Node {
    if (this.tokens.length === 0) throw invalidPattern("empty JSON pattern", this.pattern);
    const node = this.or();
    const rest = this.tokens[this.i];
    if (rest) throw invalidPattern(`unexpected ${describe(rest)}`, this.pattern);
    return node;
  }

  private or(): Node {
    const parts = [this.and()];
    while (this.accept("||")) parts.push(this.and());
    return parts.length === 1 && parts[0] ? parts[0] : (doc) => parts.some((p) => p(doc));
  }

  private and(): Node {
    const parts = [this.primary()];
    while (this.accept("&&")) parts.push(this.primary());
    return parts.length === 1 && parts[0] ? parts[0] : (doc) => parts.every((p) => p(doc));
  }

  private primary(): Node {
    if (this.accept("(")) {
      const inner = this.or();
      if (!this.accept(")")) throw invalidPattern("missing )", this.pattern);
      return inner;
    }
    const token = this.tokens[this.i++];
    if (token?.t !== "selector") {
      throw invalidPattern(
        `expected a selector like $.field but found ${token ? describe(token) : "the end"}`,
        this.pattern,
      );
    }
    return this.comparison(token.path);
  }

  private comparison(path: (string | number)[]): Node {
    const get = (doc: unknown) => select(doc, path);
    const next = this.tokens[this.i++];
    if (next?.t === "word") {
      const keyword = next.v.toUpperCase();
      if (keyword === "EXISTS") return (doc) => get(doc) !== undefined;
      if (keyword === "NOT" && this.word()?.toUpperCase() === "EXISTS")
        return (doc) => get(doc) === undefined;
      if (keyword === "IS") {
        const what = this.word()?.toUpperCase();
        if (what === "TRUE") return (doc) => get(doc) === true;
        if (what === "FALSE") return (doc) => get(doc) === false;
        if (what === "NULL") return (doc) => get(doc) === null;
      }
      throw invalidPattern(`unexpected ${next.v} after a selector`, this.pattern);
    }
    if (next?.t !== "punct" || next.v === "(" || next.v === ")" || next.v === "&&" || next.v === "||") {
      throw invalidPattern(`expected an operator after a selector`, this.pattern);
    }
    const op = next.v;
    const value = this.tokens[this.i++];
    if (value?.t !== "string" && value?.t !== "word")
      throw invalidPattern(`expected a value after ${op}`, this.pattern);
    const numeric = value.t === "word" && NUMBER.test(value.v) ? Number(value.v) : undefined;
    if (op === "=" || op === "!=") {
      const equals: (field: unknown) => boolean =
        numeric !== undefined ? (field) => field === numeric : wildcard(value.v);
      return op === "=" ? (doc) => equals(get(doc)) : (doc) => isScalar(get(doc)) && !equals(get(doc));
    }
    if (numeric === undefined) {
      throw invalidPattern(`the operator ${op} needs a number, not ${JSON.stringify(value.v)}`, this.pattern);
    }
    const compare = {
      "<": (a: number) => a < numeric,
      "<=": (a: number) => a <= numeric,
      ">": (a: number) => a > numeric,
      ">=": (a: number) => a >= numeric,
    }[op];
    return (doc) => {
      const field = get(doc);
      return typeof field === "number" && compare(field);
    };
  }

  private accept(v: string): boolean {
    const token = this.tokens[this.i];
    if (token?.t === "punct" && token.v === v) {
      this.i++;
      return true;
    }
    return false;
  }

  private word(): string | undefined {
    const token = this.tokens[this.i];
    if (token?.t !== "word") return undefined;
    this.i++;
    return token.v;
  }
}

function describe(token: Token): string {
  if (token.t === "selector") return "a selector";
  return JSON.stringify(token.v);
}

function select(doc: unknown, path: (string | number)[]): unknown {
  let current = doc;
  for (const key of path) {
    if (typeof key === "number") {
      if (!Array.isArray(current)) return undefined;
      current = current[key];
    } else {
      if (
        typeof current !== "object" ||
        current === null ||
        Array.isArray(current) ||
        !Object.hasOwn(current, key)
      ) {
        return undefined;
      }
      current = (current as Record<string, unknown>)[key];
    }
  }
  return current;
}

function isScalar(value: unknown): boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** `=` on strings: the whole field must match, `*` standing for any run of characters. */
function wildcard(pattern: string): (field: unknown) => boolean {
  if (!pattern.includes("*")) return (field) => field === pattern;
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  const regex = new RegExp(`^${source}$`, "s");
  return (field) => typeof field === "string" && regex.test(field);
}
