import { compilePattern, type PatternMatcher } from "./event-pattern.js";

interface Entry<T> {
  matcher: PatternMatcher;
  item: T;
}

/**
 * The rules of one bus, ready to match events. Most rules name exact `source` values; those are
 * looked up by the event's source instead of being tried one by one (a bus with many rules for
 * many sources tests only the few that can match). Rules without such a constraint are tried
 * for every event. Results are the same as testing every pattern.
 */
export class RuleIndex<T> {
  private readonly bySource = new Map<string, Entry<T>[]>();
  private readonly rest: Entry<T>[] = [];

  /** Adds a rule; `pattern` is the pattern text (already valid), `item` what `match` returns. */
  add(pattern: string, item: T): void {
    const entry = { matcher: compilePattern(pattern), item };
    const sources = exactSources(pattern);
    if (!sources) {
      this.rest.push(entry);
      return;
    }
    for (const source of sources) {
      const list = this.bySource.get(source);
      if (list) list.push(entry);
      else this.bySource.set(source, [entry]);
    }
  }

  /** The items of every rule whose pattern matches the event. */
  match(event: unknown): T[] {
    const out: T[] = [];
    const source = (event as { source?: unknown } | null)?.source;
    const candidates = typeof source === "string" ? this.bySource.get(source) : undefined;
    if (candidates) for (const e of candidates) if (e.matcher(event)) out.push(e.item);
    for (const e of this.rest) if (e.matcher(event)) out.push(e.item);
    return out;
  }
}

/** The top-level `source` values when the pattern allows only exact strings there. */
function exactSources(pattern: string): Set<string> | undefined {
  const parsed = JSON.parse(pattern) as Record<string, unknown>;
  const source = parsed.source;
  if (!Array.isArray(source) || source.length === 0) return undefined;
  if (!source.every((s): s is string => typeof s === "string")) return undefined;
  return new Set(source);
}
