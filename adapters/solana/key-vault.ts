import { createCipheriv, createDecipheriv, createPrivateKey, randomBytes, scrypt, sign as edSign } from "node:crypto";
import { Keypair, PublicKey, VersionedTransaction } from "@solana/web3.js";
import { WalletKeyError } from "../../core/errors.js";
import type { KeyVault } from "../../core/ports/trading.port.js";
import { decodeBase58, encodeBase58 } from "./base58.js";

/**
 * Custodial wallet keys, encrypted at rest with AES-256-GCM.
 *
 * Stored form: `v1:<address>:<base64(nonce 12 | ciphertext 64 | tag 16)>`. The address is the
 * additional authenticated data, so a ciphertext moved to another wallet's row (or an edited
 * address) fails to decrypt. A fresh random nonce is drawn for every encryption.
 * The key is scrypt(masterKey, "purser/key-vault/v1", N=2^15, r=8, p=1, 32 bytes), derived once.
 * Decrypted secrets live in Buffers that are zeroed after use (best effort: JS strings, e.g. the
 * base58 export, cannot be wiped). Nothing here logs.
 */

const VERSION = "v1";
const SALT = "purser/key-vault/v1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const SECRET_BYTES = 64;
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** Typed, so services answer it precisely (an admin should check MASTER_KEY), never by its text. */
const decryptFailure = () => new WalletKeyError("wallet secret failed to decrypt");

/**
 * A Solana address: base58 that decodes to exactly 32 bytes. Off-curve addresses (PDAs such as
 * multisig vaults) are accepted on purpose, so they can be watched; they just cannot sign.
 */
export function isSolanaAddress(s: string): boolean {
  if (typeof s !== "string" || s.length < 32 || s.length > 44) return false;
  return decodeBase58(s)?.length === 32;
}

export interface AesKeyVaultOptions {
  /** At least 32 characters; keep it out of logs (the config redacts it). */
  masterKey: string;
}

export class AesKeyVault implements KeyVault {
  private keyPromise: Promise<Buffer> | undefined;
  private readonly masterKey: string;

  constructor(opts: AesKeyVaultOptions) {
    if (typeof opts.masterKey !== "string" || opts.masterKey.length < 32) {
      throw new Error("the key vault master key must be at least 32 characters");
    }
    this.masterKey = opts.masterKey;
  }

  private key(): Promise<Buffer> {
    this.keyPromise ??= new Promise<Buffer>((resolve, reject) => {
      scrypt(this.masterKey, SALT, 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key)));
    });
    return this.keyPromise;
  }

  async create(): Promise<{ address: string; encryptedSecret: string }> {
    const kp = Keypair.generate();
    const raw = kp.secretKey; // a copy made by the getter: ours to wipe
    const secret = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    try {
      const address = kp.publicKey.toBase58();
      return { address, encryptedSecret: await this.encrypt(address, secret) };
    } finally {
      secret.fill(0);
    }
  }

  /**
   * Encrypts an existing 64-byte secret key (base58 as `/wallet export` shows it, or bytes).
   * Throws when it is not a consistent ed25519 keypair. The caller's bytes are not modified.
   */
  async importSecret(secretKey: string | Uint8Array): Promise<{ address: string; encryptedSecret: string }> {
    const decoded = typeof secretKey === "string" ? decodeBase58(secretKey.trim()) : Uint8Array.from(secretKey);
    if (decoded?.length !== SECRET_BYTES) throw new Error("not a 64-byte secret key");
    const secret = Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength);
    try {
      let address: string;
      try {
        address = Keypair.fromSecretKey(secret).publicKey.toBase58(); // verifies the public half
      } catch {
        throw new Error("not a valid secret key");
      }
      return { address, encryptedSecret: await this.encrypt(address, secret) };
    } finally {
      secret.fill(0);
    }
  }

  async sign(encryptedSecret: string, txBase64: string): Promise<{ signedTxBase64: string; signature: string }> {
    const { address, secret } = await this.decrypt(encryptedSecret);
    const seed = Buffer.alloc(32);
    const der = Buffer.alloc(PKCS8_ED25519_PREFIX.length + 32);
    try {
      const tx = VersionedTransaction.deserialize(Buffer.from(txBase64, "base64"));
      const signer = new PublicKey(address);
      const index = tx.message.staticAccountKeys
        .slice(0, tx.message.header.numRequiredSignatures)
        .findIndex((k) => k.equals(signer));
      if (index < 0) throw new Error("this wallet is not a signer of the transaction");
      secret.copy(seed, 0, 0, 32);
      PKCS8_ED25519_PREFIX.copy(der, 0);
      seed.copy(der, PKCS8_ED25519_PREFIX.length);
      const privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
      const signature = edSign(null, tx.message.serialize(), privateKey);
      tx.addSignature(signer, signature); // keeps every other signature (e.g. a pool's pre-signature)
      const first = tx.signatures[0]!;
      return {
        signedTxBase64: Buffer.from(tx.serialize()).toString("base64"),
        signature: encodeBase58(first),
      };
    } finally {
      secret.fill(0);
      seed.fill(0);
      der.fill(0);
    }
  }

  async reveal(encryptedSecret: string): Promise<string> {
    const { secret } = await this.decrypt(encryptedSecret);
    try {
      return encodeBase58(secret);
    } finally {
      secret.fill(0);
    }
  }

  isAddress(s: string): boolean {
    return isSolanaAddress(s);
  }

  private async encrypt(address: string, secret: Buffer): Promise<string> {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", await this.key(), nonce);
    cipher.setAAD(Buffer.from(address, "utf8"));
    const body = Buffer.concat([cipher.update(secret), cipher.final()]);
    const blob = Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64");
    return `${VERSION}:${address}:${blob}`;
  }

  /** The secret (64 bytes; the caller zeroes it) and its address; throws on any tampering. */
  private async decrypt(encryptedSecret: string): Promise<{ address: string; secret: Buffer }> {
    const parts = typeof encryptedSecret === "string" ? encryptedSecret.split(":") : [];
    if (parts.length !== 3 || parts[0] !== VERSION) throw decryptFailure();
    const [, address, b64] = parts as [string, string, string];
    const pub = decodeBase58(address);
    if (pub?.length !== 32) throw decryptFailure();
    const blob = Buffer.from(b64, "base64");
    if (blob.length !== NONCE_BYTES + SECRET_BYTES + TAG_BYTES || blob.toString("base64") !== b64) throw decryptFailure();
    const key = await this.key();
    const decipher = createDecipheriv("aes-256-gcm", key, blob.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(address, "utf8"));
    decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
    let head: Buffer | undefined;
    let tail: Buffer | undefined;
    try {
      head = decipher.update(blob.subarray(NONCE_BYTES, blob.length - TAG_BYTES));
      tail = decipher.final();
    } catch {
      head?.fill(0);
      throw decryptFailure();
    }
    const secret = Buffer.concat([head, tail]);
    head.fill(0);
    tail.fill(0);
    blob.fill(0);
    // The public half must be the stored address (GCM already guarantees it; cheap to confirm).
    if (secret.length !== SECRET_BYTES || !Buffer.from(pub).equals(secret.subarray(32))) {
      secret.fill(0);
      throw decryptFailure();
    }
    return { address, secret };
  }
}
