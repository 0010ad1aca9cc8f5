import { createPrivateKey, generateKeyPair, type KeyObject, randomBytes, sign } from "node:crypto";
import { promisify } from "node:util";
import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import { selfSignedCertificatePem } from "./x509.js";

const generate = promisify(generateKeyPair);
const KIND = "sns-signing-key";
const KEY = "default";
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

interface StoredKey {
  privateKeyPem: string;
  certificatePem: string;
}

/**
 * Signs SNS messages the way SNS does: RSA over the canonical string, SHA1 for SignatureVersion
 * 1 and SHA256 for 2, base64. The key and its self-signed certificate are made once per data
 * directory and kept in the metadata store, so signatures stay verifiable across restarts; the
 * certificate is served at the messages' SigningCertURL. Verifiers must trust this certificate
 * (it is not Amazon's), and skip any check that the URL is on amazonaws.com.
 */
export class MessageSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    readonly certificatePem: string,
  ) {}

  /** Loads the server's signing key, creating it on first use. */
  static async load(store: MetadataStore, clock: Clock): Promise<MessageSigner> {
    const existing = await store.get<StoredKey>(KIND, KEY);
    if (existing) return MessageSigner.from(existing.value);
    const { privateKey, publicKey } = await generate("rsa", { modulusLength: 2048 });
    const now = clock.now();
    const stored: StoredKey = {
      privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      certificatePem: selfSignedCertificatePem({
        privateKey,
        publicKey,
        commonName: "sns.nimbus.local",
        notBefore: now - 24 * 3600 * 1000,
        notAfter: now + TEN_YEARS_MS,
        serial: randomBytes(16),
      }),
    };
    try {
      await store.write([{ op: "put", kind: KIND, key: KEY, value: stored, expectRevision: "absent" }]);
      return MessageSigner.from(stored);
    } catch (error) {
      // Another server on the same store made one first: use it.
      if (!isPlatformError(error) || error.code !== "ERR_STORAGE_CONFLICT") throw error;
      const winner = await store.get<StoredKey>(KIND, KEY);
      if (!winner) throw error;
      return MessageSigner.from(winner.value);
    }
  }

  private static from(stored: StoredKey): MessageSigner {
    return new MessageSigner(createPrivateKey(stored.privateKeyPem), stored.certificatePem);
  }

  /** The base64 signature of a canonical string. */
  sign(canonical: string, signatureVersion: string): string {
    return sign(
      signatureVersion === "2" ? "sha256" : "sha1",
      Buffer.from(canonical, "utf8"),
      this.privateKey,
    ).toString("base64");
  }
}
