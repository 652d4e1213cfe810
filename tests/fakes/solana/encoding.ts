// Wire encodings of the Solana JSON-RPC API: accounts as base64/base58/jsonParsed, transactions
// as base64/base58, and JSON output that prints u64 values (bigint) as plain numbers.
import { getBase58Decoder, getBase58Encoder } from "@solana/kit";
import { TOKEN_2022_PROGRAM_ID } from "@solana/spl-token";
import type { PublicKey } from "@solana/web3.js";
import { readMint, readTokenAccount, uiTokenAmount, type AccountStore, type StoredAccount } from "./tokens.js";
import { RpcError } from "./tx-errors.js";

const b58dec = getBase58Decoder();
const b58enc = getBase58Encoder();

export const U64_MAX = 18446744073709551615n;

export function toBase58(bytes: Uint8Array): string {
  return b58dec.decode(bytes);
}

export function fromBase58(text: string): Uint8Array {
  return new Uint8Array(b58enc.encode(text));
}

/** Decodes a transaction or message sent as `[data, encoding]` or with a config `encoding`. */
export function decodeWireParam(value: unknown, encoding: unknown = "base58"): Uint8Array {
  if (typeof value !== "string") throw new RpcError(-32602, "Invalid params: expected an encoded string");
  try {
    if (encoding === "base64") return new Uint8Array(Buffer.from(value, "base64"));
    if (encoding === "base58" || encoding === undefined) return fromBase58(value);
  } catch {
    throw new RpcError(-32602, `invalid ${String(encoding)} encoding`);
  }
  throw new RpcError(-32602, `Invalid params: unsupported encoding: ${String(encoding)}`);
}

/** JSON.stringify that writes bigint values as bare integers (u64 lamports, rentEpoch). */
export function toJson(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") {
      marks.push(v.toString());
      return `\u0000big${marks.length - 1}\u0000`;
    }
    return v;
  });
  return text.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}

const EXTENSION_NAMES: Record<number, string> = {
  1: "transferFeeConfig",
  2: "transferFeeAmount",
  3: "mintCloseAuthority",
  4: "confidentialTransferMint",
  5: "confidentialTransferAccount",
  6: "defaultAccountState",
  7: "immutableOwner",
  8: "memoTransfer",
  9: "nonTransferable",
  10: "interestBearingConfig",
  11: "cpiGuard",
  12: "permanentDelegate",
  13: "nonTransferableAccount",
  14: "transferHook",
  15: "transferHookAccount",
  18: "metadataPointer",
  19: "tokenMetadata",
};

function parsedTokenData(store: AccountStore, pubkey: PublicKey, account: StoredAccount): unknown {
  const program = account.owner.equals(TOKEN_2022_PROGRAM_ID) ? "spl-token-2022" : "spl-token";
  const space = account.data.length;
  const tokenAccount = readTokenAccount(store, pubkey);
  if (tokenAccount) {
    const decimals = readMint(store, tokenAccount.mint)?.decimals ?? 0;
    const info: Record<string, unknown> = {
      isNative: tokenAccount.isNative,
      mint: tokenAccount.mint.toBase58(),
      owner: tokenAccount.owner.toBase58(),
      state: tokenAccount.state,
      tokenAmount: uiTokenAmount(tokenAccount.amount, decimals),
    };
    if (tokenAccount.delegate) {
      info.delegate = tokenAccount.delegate.toBase58();
      info.delegatedAmount = uiTokenAmount(tokenAccount.delegatedAmount, decimals);
    }
    if (tokenAccount.rentExemptReserve !== null) {
      info.rentExemptReserve = uiTokenAmount(tokenAccount.rentExemptReserve, 9);
    }
    if (tokenAccount.closeAuthority) info.closeAuthority = tokenAccount.closeAuthority.toBase58();
    if (tokenAccount.extensionTypes.length > 0) {
      info.extensions = tokenAccount.extensionTypes.map((t) => ({
        extension: EXTENSION_NAMES[t] ?? "unparseableExtension",
      }));
    }
    return { program, parsed: { info, type: "account" }, space };
  }
  const mint = readMint(store, pubkey);
  if (mint) {
    return {
      program,
      parsed: {
        info: {
          decimals: mint.decimals,
          freezeAuthority: mint.freezeAuthority?.toBase58() ?? null,
          isInitialized: mint.isInitialized,
          mintAuthority: mint.mintAuthority?.toBase58() ?? null,
          supply: mint.supply.toString(),
        },
        type: "mint",
      },
      space,
    };
  }
  return null;
}

export type AccountEncoding = "base64" | "base58" | "jsonParsed" | "base64+zstd";

/** An account in the RPC's `{data, executable, lamports, owner, rentEpoch, space}` form. */
export function encodeAccount(
  store: AccountStore,
  pubkey: PublicKey,
  account: StoredAccount | null,
  encoding: unknown = "base58",
): Record<string, unknown> | null {
  if (!account) return null;
  let data: unknown;
  if (encoding === "jsonParsed") {
    data = parsedTokenData(store, pubkey, account) ?? [Buffer.from(account.data).toString("base64"), "base64"];
  } else if (encoding === "base64") {
    data = [Buffer.from(account.data).toString("base64"), "base64"];
  } else if (encoding === "base58" || encoding === undefined || encoding === "binary") {
    data = [toBase58(account.data), "base58"];
  } else {
    throw new RpcError(-32602, `Invalid params: unsupported encoding: ${String(encoding)}`);
  }
  return {
    data,
    executable: account.executable,
    lamports: account.lamports,
    owner: account.owner.toBase58(),
    rentEpoch: U64_MAX,
    space: account.data.length,
  };
}
