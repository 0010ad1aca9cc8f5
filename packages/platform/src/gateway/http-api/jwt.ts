import { createPublicKey, type JsonWebKey, type KeyObject, verify } from "node:crypto";

/** A JWT split and decoded, before any check. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

/** Why a token is refused (the data plane answers 401 either way; the reason goes to the log). */
export type JwtCheck = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string };

/** Splits and decodes a compact JWS; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [h = "", c = "", s = ""] = parts;
  try {
    const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as unknown;
    const claims = JSON.parse(Buffer.from(c, "base64url").toString("utf8")) as unknown;
    if (!isRecord(header) || !isRecord(claims)) return undefined;
    return { header, claims, signingInput: Buffer.from(`${h}.${c}`), signature: Buffer.from(s, "base64url") };
  } catch {
    return undefined;
  }
}

const ALGORITHMS: Record<string, string> = { RS256: "RSA-SHA256", RS384: "RSA-SHA384", RS512: "RSA-SHA512" };

/**
 * Checks a decoded token the way an HTTP API's JWT authorizer does: an RS256/384/512 signature
 * by the issuer's key named by `kid`, `iss` equal to the configured issuer, `aud` (or, for
 * access tokens without it, `client_id`) naming a configured audience, and `exp`/`nbf`/`iat`
 * against the clock.
 */
export function checkJwt(
  jwt: DecodedJwt,
  options: { issuer: string; audience: string[]; keys: JsonWebKey[]; nowMs: number },
): JwtCheck {
  const algorithm = typeof jwt.header.alg === "string" ? ALGORITHMS[jwt.header.alg] : undefined;
  if (!algorithm) return { ok: false, reason: `unsupported alg ${String(jwt.header.alg)}` };
  const jwk = options.keys.find((k) => k.kid === jwt.header.kid && (k.use === undefined || k.use === "sig"));
  if (!jwk) return { ok: false, reason: `no key with kid ${String(jwt.header.kid)}` };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk, format: "jwk" });
  } catch {
    return { ok: false, reason: "the key is not a usable JWK" };
  }
  if (!verify(algorithm, jwt.signingInput, key, jwt.signature)) return { ok: false, reason: "bad signature" };
  const { claims } = jwt;
  if (claims.iss !== options.issuer) return { ok: false, reason: `issuer ${String(claims.iss)}` };
  const audiences = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
  const named = audiences.length > 0 ? audiences : claims.client_id === undefined ? [] : [claims.client_id];
  if (!named.some((a) => typeof a === "string" && options.audience.includes(a))) {
    return { ok: false, reason: "audience" };
  }
  const now = options.nowMs / 1000;
  if (typeof claims.exp !== "number" || claims.exp <= now) return { ok: false, reason: "expired" };
  if (typeof claims.nbf === "number" && claims.nbf > now) return { ok: false, reason: "not yet valid" };
  if (typeof claims.iat === "number" && claims.iat > now + 300)
    return { ok: false, reason: "issued in the future" };
  return { ok: true, claims };
}

/** The token's scopes: `scope` (space separated) or `scp` (a list or a string). */
export function tokenScopes(claims: Record<string, unknown>): string[] {
  const raw = claims.scope ?? claims.scp;
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === "string");
  return typeof raw === "string" ? raw.split(" ").filter(Boolean) : [];
}

/**
 * Claims as HTTP APIs pass them to functions: every value a string (numbers and booleans as
 * text, lists as `[a b]`, objects as JSON).
 */
export function claimsForEvent(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (typeof value === "string") out[name] = value;
    else if (Array.isArray(value)) out[name] = `[${value.map((v) => String(v)).join(" ")}]`;
    else if (typeof value === "object" && value !== null) out[name] = JSON.stringify(value);
    else out[name] = String(value);
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
