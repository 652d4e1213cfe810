import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { SecretBox } from "../../core/ports/two-factor-store.port.js";

/**
 * Small secrets at rest (TOTP secrets), AES-256-GCM, built like the wallet key vault
 * (adapters/solana/key-vault.ts): a fresh 12-byte nonce per seal, the owner as associated data (a sealed
 * secret copied to another user's row fails to open), and a key derived with scrypt from the master
 * secret under its own salt, so this key is never the wallet keys' key. A second key derived the same
 * way (another salt) peppers recovery-code hashes: a copy of the database alone cannot test guesses.
 *
 * Stored form: `s1:<key id>:<base64(nonce | ciphertext | tag)>`. The key id (8 hex characters of a
 * SHA-256 of the derived key) lets older keys still open what they sealed (e.g. a key file used before
 * MASTER_KEY was set); new seals always use the first key. Nothing here logs.
 */

const VERSION = "s1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

interface Keys {
  id: string;
  enc: Buffer;
  pepper: Buffer;
}

const derive = (secret: string, salt: string) =>
  new Promise<Buffer>((resolve, reject) => scrypt(secret, salt, 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))));

/** The box could not open a value: wrong key, or altered. Typed so the service answers it clearly. */
export class SecretBoxError extends Error {
  override readonly name = "SecretBoxError";
}

export class AesSecretBox implements SecretBox {
  private keysPromise: Promise<Keys[]> | undefined;

  /**
   * `secrets`: the master secrets, newest first (each at least 32 characters). `domain` separates what
   * this box seals from anything else derived from the same secret.
   */
  constructor(
    private readonly secrets: readonly string[],
    private readonly domain = "purser/two-factor/v1",
  ) {
    if (!secrets.length || secrets.some((s) => typeof s !== "string" || s.length < 32)) {
      throw new Error("the secret box needs master secrets of at least 32 characters");
    }
  }

  private keys(): Promise<Keys[]> {
    this.keysPromise ??= Promise.all(
      this.secrets.map(async (s) => {
        const [enc, pepper] = await Promise.all([derive(s, `${this.domain}/enc`), derive(s, `${this.domain}/pepper`)]);
        return { id: createHash("sha256").update(enc).digest("hex").slice(0, 8), enc, pepper };
      }),
    );
    return this.keysPromise;
  }

  async seal(plain: string, aad: string): Promise<string> {
    const [k] = await this.keys();
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", k!.enc, nonce);
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const body = Buffer.concat([cipher.update(Buffer.from(plain, "utf8")), cipher.final()]);
    return `${VERSION}:${k!.id}:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64")}`;
  }

  async open(sealed: string, aad: string): Promise<string> {
    const parts = typeof sealed === "string" ? sealed.split(":") : [];
    if (parts.length !== 3 || parts[0] !== VERSION) throw new SecretBoxError("not a sealed value");
    const k = (await this.keys()).find((x) => x.id === parts[1]);
    if (!k) throw new SecretBoxError("sealed with a key this process does not have");
    const blob = Buffer.from(parts[2]!, "base64");
    if (blob.length < NONCE_BYTES + TAG_BYTES) throw new SecretBoxError("sealed value too short");
    const decipher = createDecipheriv("aes-256-gcm", k.enc, blob.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(blob.subarray(NONCE_BYTES, blob.length - TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      throw new SecretBoxError("sealed value failed to open");
    }
  }

  async mac(data: string): Promise<string> {
    const [k] = await this.keys();
    return `${k!.id}:${createHmac("sha256", k!.pepper).update(data, "utf8").digest("hex")}`;
  }

  async macEquals(data: string, tagged: string): Promise<boolean> {
    const [id, hex] = typeof tagged === "string" ? tagged.split(":") : [];
    const k = (await this.keys()).find((x) => x.id === id);
    if (!k || !hex) return false;
    const want = Buffer.from(hex, "hex");
    const got = createHmac("sha256", k.pepper).update(data, "utf8").digest();
    return want.length === got.length && timingSafeEqual(want, got);
  }
}
