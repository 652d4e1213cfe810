import { createPublicKey, verify } from "node:crypto";
import { Keypair, PublicKey, SystemProgram, TransactionMessage, VersionedTransaction } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { decodeBase58, encodeBase58 } from "../../../adapters/solana/base58.js";
import { AesKeyVault, isSolanaAddress } from "../../../adapters/solana/key-vault.js";

const MASTER = "m".repeat(16) + "-purser-test-master-key-0123456789";
const vault = new AesKeyVault({ masterKey: MASTER });

/** A v0 transfer paid by `payer`, optionally with a second signer that pre-signs. */
function unsignedTx(payer: PublicKey, coSigner?: Keypair): VersionedTransaction {
  const instructions = [SystemProgram.transfer({ fromPubkey: payer, toPubkey: Keypair.generate().publicKey, lamports: 1 })];
  if (coSigner) {
    instructions.push(SystemProgram.transfer({ fromPubkey: coSigner.publicKey, toPubkey: payer, lamports: 1 }));
  }
  const message = new TransactionMessage({
    payerKey: payer,
    recentBlockhash: Keypair.generate().publicKey.toBase58(),
    instructions,
  }).compileToV0Message();
  const tx = new VersionedTransaction(message);
  if (coSigner) tx.sign([coSigner]);
  return tx;
}

const b64 = (tx: VersionedTransaction) => Buffer.from(tx.serialize()).toString("base64");

/** Flips one byte of the base64 payload and re-encodes it (still canonical base64). */
function flipByte(enc: string, index: number): string {
  const [v, address, blob] = enc.split(":") as [string, string, string];
  const bytes = Buffer.from(blob, "base64");
  bytes[index] = bytes[index]! ^ 0x01;
  return `${v}:${address}:${bytes.toString("base64")}`;
}

describe("AesKeyVault", () => {
  it("creates a wallet whose exported secret belongs to its address, stored as v1:<address>:<blob>", async () => {
    const { address, encryptedSecret } = await vault.create();
    expect(encryptedSecret.startsWith(`v1:${address}:`)).toBe(true);
    expect(Buffer.from(encryptedSecret.split(":")[2]!, "base64")).toHaveLength(12 + 64 + 16);
    const secret = await vault.reveal(encryptedSecret);
    expect(encryptedSecret).not.toContain(secret);
    expect(Keypair.fromSecretKey(decodeBase58(secret)!).publicKey.toBase58()).toBe(address);
  });

  it("two encryptions of the same secret differ (fresh nonce) and both decrypt to it", async () => {
    const kp = Keypair.generate();
    const a = await vault.importSecret(encodeBase58(kp.secretKey));
    const b = await vault.importSecret(kp.secretKey);
    expect(a.address).toBe(kp.publicKey.toBase58());
    expect(a.encryptedSecret).not.toBe(b.encryptedSecret);
    expect(Buffer.from(a.encryptedSecret.split(":")[2]!, "base64").subarray(0, 12)).not.toEqual(
      Buffer.from(b.encryptedSecret.split(":")[2]!, "base64").subarray(0, 12),
    );
    expect(await vault.reveal(a.encryptedSecret)).toBe(encodeBase58(kp.secretKey));
    expect(await vault.reveal(b.encryptedSecret)).toBe(encodeBase58(kp.secretKey));
  });

  it("refuses to import bytes that are not a keypair", async () => {
    const kp = Keypair.generate();
    const broken = Uint8Array.from(kp.secretKey);
    broken[40] = broken[40]! ^ 1;
    await expect(vault.importSecret(broken)).rejects.toThrow(/not a valid secret key/);
    await expect(vault.importSecret("abc")).rejects.toThrow(/64-byte/);
  });

  it("a flipped byte anywhere in nonce, ciphertext or tag fails to decrypt", async () => {
    const { address, encryptedSecret } = await vault.create();
    const tx = b64(unsignedTx(new PublicKey(address)));
    for (const index of [0, 11, 12, 40, 75, 76, 91]) {
      const tampered = flipByte(encryptedSecret, index);
      await expect(vault.sign(tampered, tx)).rejects.toThrow("wallet secret failed to decrypt");
      await expect(vault.reveal(tampered)).rejects.toThrow("wallet secret failed to decrypt");
    }
    await expect(vault.reveal(encryptedSecret.replace(/^v1:/, "v2:"))).rejects.toThrow("wallet secret failed to decrypt");
    await expect(vault.reveal(encryptedSecret.slice(0, -4))).rejects.toThrow("wallet secret failed to decrypt");
  });

  it("a ciphertext moved to another wallet's address, or read with another master key, fails", async () => {
    const one = await vault.create();
    const two = await vault.create();
    const blobOfOne = one.encryptedSecret.split(":")[2]!;
    await expect(vault.reveal(`v1:${two.address}:${blobOfOne}`)).rejects.toThrow("wallet secret failed to decrypt");
    const other = new AesKeyVault({ masterKey: MASTER.replace("m", "n") });
    await expect(other.reveal(one.encryptedSecret)).rejects.toThrow("wallet secret failed to decrypt");
  });

  it("signs the wallet's slot and keeps a co-signer's pre-signature; the signature verifies", async () => {
    const { address, encryptedSecret } = await vault.create();
    const pool = Keypair.generate();
    const tx = unsignedTx(new PublicKey(address), pool);
    const poolSig = Buffer.from(tx.signatures[1]!);
    const { signedTxBase64, signature } = await vault.sign(encryptedSecret, b64(tx));
    const signed = VersionedTransaction.deserialize(Buffer.from(signedTxBase64, "base64"));
    expect(encodeBase58(signed.signatures[0]!)).toBe(signature);
    expect(Buffer.from(signed.signatures[1]!)).toEqual(poolSig);
    const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), new PublicKey(address).toBuffer()]);
    const key = createPublicKey({ key: spki, format: "der", type: "spki" });
    expect(verify(null, signed.message.serialize(), key, Buffer.from(signed.signatures[0]!))).toBe(true);
  });

  it("refuses to sign a transaction the wallet is not a signer of", async () => {
    const { encryptedSecret } = await vault.create();
    const tx = unsignedTx(Keypair.generate().publicKey);
    await expect(vault.sign(encryptedSecret, b64(tx))).rejects.toThrow(/not a signer/);
  });

  it("isAddress accepts any 32-byte base58 key (PDAs included) and nothing else", () => {
    const wallet = Keypair.generate().publicKey.toBase58();
    const [pda] = PublicKey.findProgramAddressSync([Buffer.from("vault")], SystemProgram.programId);
    expect(PublicKey.isOnCurve(pda.toBytes())).toBe(false);
    expect(vault.isAddress(wallet)).toBe(true);
    expect(isSolanaAddress(pda.toBase58())).toBe(true);
    expect(vault.isAddress("11111111111111111111111111111111")).toBe(true);
    for (const bad of ["", "hello", `${wallet}1`, wallet.replace(/.$/, "0"), ` ${wallet}`, encodeBase58(new Uint8Array(31).fill(9)), encodeBase58(new Uint8Array(64).fill(9))]) {
      expect(vault.isAddress(bad), bad).toBe(false);
    }
  });

  it("refuses a master key shorter than 32 characters", () => {
    expect(() => new AesKeyVault({ masterKey: "short" })).toThrow(/at least 32/);
  });
});
