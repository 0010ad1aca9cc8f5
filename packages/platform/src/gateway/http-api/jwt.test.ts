import { generateKeyPairSync, type JsonWebKey, type KeyObject, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { JwksCache } from "./jwks.js";
import { checkJwt, claimsForEvent, decodeJwt, tokenScopes } from "./jwt.js";

const ISSUER = "https://issuer.test";
const NOW = Date.UTC(2025, 0, 1);
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const JWK: JsonWebKey = { ...publicKey.export({ format: "jwk" }), kid: "k1", use: "sig", alg: "RS256" };
const other = generateKeyPairSync("rsa", { modulusLength: 2048 });

function token(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key: KeyObject = privateKey,
) {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const input = `${enc({ alg: "RS256", typ: "JWT", kid: "k1", ...header })}.${enc(claims)}`;
  return `${input}.${sign("RSA-SHA256", Buffer.from(input), key).toString("base64url")}`;
}

const good = {
  iss: ISSUER,
  aud: "api",
  sub: "user-1",
  exp: NOW / 1000 + 60,
  iat: NOW / 1000,
  scope: "read write",
};
const check = (t: string, audience = ["api"]) => {
  const decoded = decodeJwt(t);
  if (!decoded) throw new Error("not a JWT");
  return checkJwt(decoded, { issuer: ISSUER, audience, keys: [JWK], nowMs: NOW });
};

describe("checkJwt", () => {
  it("accepts an RS256 token of the issuer for a configured audience", () => {
    expect(check(token(good))).toEqual({ ok: true, claims: good });
  });

  it("accepts an access token naming the audience in client_id instead of aud", () => {
    const { aud: _aud, ...rest } = good;
    expect(check(token({ ...rest, client_id: "api" })).ok).toBe(true);
  });

  it("refuses a bad signature, another issuer or audience, expiry, nbf and an unknown key", () => {
    expect(check(token(good, {}, other.privateKey))).toEqual({ ok: false, reason: "bad signature" });
    expect(check(token({ ...good, iss: "https://evil.test" })).ok).toBe(false);
    expect(check(token(good), ["other"])).toEqual({ ok: false, reason: "audience" });
    expect(check(token({ ...good, exp: NOW / 1000 - 1 }))).toEqual({ ok: false, reason: "expired" });
    expect(check(token({ ...good, nbf: NOW / 1000 + 10 }))).toEqual({ ok: false, reason: "not yet valid" });
    expect(check(token(good, { kid: "k2" })).ok).toBe(false);
    expect(check(token(good, { alg: "HS256" })).ok).toBe(false);
  });

  it("refuses what is not a JWT", () => {
    expect(decodeJwt("abc")).toBeUndefined();
    expect(decodeJwt("a.b.c")).toBeUndefined();
  });
});

describe("claims and scopes", () => {
  it("reads scopes from scope or scp", () => {
    expect(tokenScopes({ scope: "a b" })).toEqual(["a", "b"]);
    expect(tokenScopes({ scp: ["x"] })).toEqual(["x"]);
    expect(tokenScopes({})).toEqual([]);
  });

  it("passes every claim as a string", () => {
    expect(claimsForEvent({ sub: "u", exp: 5, admin: true, groups: ["a", "b"], addr: { c: 1 } })).toEqual({
      sub: "u",
      exp: "5",
      admin: "true",
      groups: "[a b]",
      addr: '{"c":1}',
    });
  });
});

describe("JwksCache", () => {
  it("finds jwks_uri through discovery, keeps the keys, and refetches for an unknown kid at most once a minute", async () => {
    const clock = new ManualClock(NOW);
    const fetched: string[] = [];
    const cache = new JwksCache(clock, async (url) => {
      fetched.push(url);
      return url.endsWith("openid-configuration")
        ? { jwks_uri: "https://issuer.test/keys" }
        : { keys: [JWK] };
    });
    expect(await cache.keys(`${ISSUER}/`, "k1")).toEqual([JWK]);
    expect(fetched).toEqual([
      "https://issuer.test/.well-known/openid-configuration",
      "https://issuer.test/keys",
    ]);
    await cache.keys(`${ISSUER}/`, "k1");
    await cache.keys(`${ISSUER}/`, "unknown");
    expect(fetched).toHaveLength(2);
    clock.advance(61_000);
    await cache.keys(`${ISSUER}/`, "unknown");
    expect(fetched).toHaveLength(4);
  });
});
