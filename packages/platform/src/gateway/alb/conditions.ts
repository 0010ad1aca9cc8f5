import { BlockList, isIPv6 } from "node:net";
import type { ListenerRecord, RuleAction, RuleCondition } from "./model.js";

/** What rule conditions look at in a request. */
export interface RequestFacts {
  method: string;
  /** The path as sent (still percent-encoded), without the query string. */
  path: string;
  /** The Host header's name, without port, lower-cased. */
  host: string;
  /** Header values by lower-cased name (a repeated header has several). */
  headers: Record<string, string[]>;
  /** Query pairs, URL-decoded, in order. */
  query: [string, string][];
  sourceIp: string;
}

type Test = (facts: RequestFacts) => boolean;

/** A listener's rules compiled for matching: by priority, each with its test and actions. */
export interface CompiledListener {
  rules: { test: Test; actions: RuleAction[] }[];
  defaultActions: RuleAction[];
}

/**
 * Compiles a listener's rules: conditions of a rule must all match (values of one condition
 * are alternatives), and the rule of the lowest priority that matches wins; else the default
 * actions. Path patterns are case-sensitive; hosts, header values and query pairs are not.
 */
export function compileListener(listener: ListenerRecord): CompiledListener {
  const rules = [...listener.rules]
    .sort((a, b) => a.priority - b.priority)
    .map((rule) => {
      const tests = rule.conditions.map(compileCondition);
      return { test: (facts: RequestFacts) => tests.every((t) => t(facts)), actions: rule.actions };
    });
  return { rules, defaultActions: listener.defaultActions };
}

/** The actions for a request: the first matching rule's, or the listener's default actions. */
export function selectActions(listener: CompiledListener, facts: RequestFacts): RuleAction[] {
  for (const rule of listener.rules) if (rule.test(facts)) return rule.actions;
  return listener.defaultActions;
}

function compileCondition(c: RuleCondition): Test {
  switch (c.field) {
    case "path-pattern": {
      const patterns = c.values.map((v) => wildcard(v, false));
      return (f) => patterns.some((p) => p.test(f.path));
    }
    case "host-header": {
      const patterns = c.values.map((v) => wildcard(v, true));
      return (f) => patterns.some((p) => p.test(f.host));
    }
    case "http-header": {
      const name = (c.headerName ?? "").toLowerCase();
      const patterns = c.values.map((v) => wildcard(v, true));
      return (f) => (f.headers[name] ?? []).some((value) => patterns.some((p) => p.test(value)));
    }
    case "query-string": {
      const pairs = (c.queryValues ?? []).map((kv) => ({
        key: kv.key === undefined ? undefined : wildcard(kv.key, true),
        value: wildcard(kv.value, true),
      }));
      return (f) =>
        pairs.some((pair) =>
          f.query.some(
            ([key, value]) => (pair.key === undefined || pair.key.test(key)) && pair.value.test(value),
          ),
        );
    }
    case "http-request-method": {
      const methods = new Set(c.values);
      return (f) => methods.has(f.method);
    }
    case "source-ip": {
      const list = new BlockList();
      for (const cidr of c.values) {
        const [address = "", bits] = cidr.split("/");
        const family = isIPv6(address) ? "ipv6" : "ipv4";
        list.addSubnet(address, Number(bits ?? (family === "ipv6" ? 128 : 32)), family);
      }
      return (f) => {
        const ip = f.sourceIp.replace(/^::ffff:(?=\d+\.)/, "");
        return list.check(ip, isIPv6(ip) ? "ipv6" : "ipv4");
      };
    }
  }
}

/** `*` matches any characters (none included), `?` exactly one; the whole value must match. */
export function wildcard(pattern: string, ignoreCase: boolean): RegExp {
  const body = pattern
    .split("")
    .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\/]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`, ignoreCase ? "is" : "s");
}
