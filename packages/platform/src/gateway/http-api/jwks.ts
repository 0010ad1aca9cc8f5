import type { JsonWebKey } from "node:crypto";
import type { Clock } from "../../core/clock.js";

/** How long fetched keys are kept before they are fetched again. */
const KEYS_TTL_MS = 60 * 60 * 1000;
/** An unknown `kid` refetches the keys (key rotation), at most this often per issuer. */
const REFETCH_MIN_MS = 60 * 1000;

/**
 * The signing keys of JWT issuers: `<issuer>/.well-known/openid-configuration` names the
 * `jwks_uri`, whose keys are kept for an hour. A token naming a key not in the set refetches it
 * (rate limited), so rotated keys are picked up.
 */
export class JwksCache {
  private readonly entries = new Map<string, { keys: JsonWebKey[]; fetchedAt: number }>();
  private readonly pending = new Map<string, Promise<JsonWebKey[]>>();

  constructor(
    private readonly clock: Clock,
    private readonly fetchJson: (url: string) => Promise<unknown> = (url) => fetchJsonWithin(url, clock),
  ) {}

  /** The issuer's keys, making sure `kid` is among them when it can be. Throws when unreachable. */
  async keys(issuer: string, kid: unknown): Promise<JsonWebKey[]> {
    const entry = this.entries.get(issuer);
    const now = this.clock.now();
    const fresh = entry && now - entry.fetchedAt < KEYS_TTL_MS;
    const hasKid = entry?.keys.some((k) => k.kid === kid);
    if (entry && fresh && (hasKid || now - entry.fetchedAt < REFETCH_MIN_MS)) return entry.keys;
    let running = this.pending.get(issuer);
    if (!running) {
      running = this.fetchKeys(issuer).finally(() => this.pending.delete(issuer));
      this.pending.set(issuer, running);
    }
    return running;
  }

  private async fetchKeys(issuer: string): Promise<JsonWebKey[]> {
    const base = issuer.endsWith("/") ? issuer.slice(0, -1) : issuer;
    const discovery = await this.fetchJson(`${base}/.well-known/openid-configuration`);
    const jwksUri = (discovery as { jwks_uri?: unknown } | null)?.jwks_uri;
    if (typeof jwksUri !== "string") throw new Error(`${issuer} names no jwks_uri`);
    const set = (await this.fetchJson(jwksUri)) as { keys?: unknown } | null;
    if (!Array.isArray(set?.keys)) throw new Error(`${jwksUri} holds no keys`);
    const keys = set.keys as JsonWebKey[];
    this.entries.set(issuer, { keys, fetchedAt: this.clock.now() });
    return keys;
  }
}

/** GETs JSON, giving up after 5 s (the issuer is a dependency: a hung one must not hang requests). */
async function fetchJsonWithin(url: string, clock: Clock): Promise<unknown> {
  const abort = new AbortController();
  const cancel = clock.setTimer(5000, () => abort.abort());
  try {
    const response = await fetch(url, { signal: abort.signal });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return await response.json();
  } finally {
    cancel();
  }
}
