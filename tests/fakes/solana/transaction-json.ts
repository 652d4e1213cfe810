// getTransaction's answer for a landed transaction, in the json, jsonParsed (instructions left
// "partially decoded") or base64/base58 encodings.
import { VersionedTransaction } from "@solana/web3.js";
import type { TxRecord } from "./chain.js";
import { toBase58 } from "./encoding.js";
import { RpcError } from "./tx-errors.js";

function meta(rec: TxRecord, parsed: boolean, keys: string[]): Record<string, unknown> {
  const inner = parsed
    ? rec.innerInstructions.map((g) => ({
        index: g.index,
        instructions: g.instructions.map((ix) => ({
          programId: keys[ix.programIdIndex],
          accounts: ix.accounts.map((i) => keys[i]),
          data: ix.data,
          stackHeight: ix.stackHeight,
        })),
      }))
    : rec.innerInstructions;
  return {
    err: rec.err,
    status: rec.err === null ? { Ok: null } : { Err: rec.err },
    fee: rec.fee,
    preBalances: rec.preBalances,
    postBalances: rec.postBalances,
    innerInstructions: inner,
    logMessages: rec.logs,
    preTokenBalances: rec.preTokenBalances,
    postTokenBalances: rec.postTokenBalances,
    rewards: [],
    loadedAddresses: { writable: [], readonly: [] },
    computeUnitsConsumed: rec.unitsConsumed,
  };
}

export function transactionJson(rec: TxRecord, encoding: unknown, withVersion: boolean): Record<string, unknown> {
  if (!rec.wire) throw new RpcError(-32603, "transaction bytes unavailable");
  const tx = VersionedTransaction.deserialize(rec.wire);
  const msg = tx.message;
  const keys = msg.staticAccountKeys.map((k) => k.toBase58());
  const signatures = tx.signatures.map((s) => toBase58(s));
  const lookups = msg.addressTableLookups.map((l) => ({
    accountKey: l.accountKey.toBase58(),
    writableIndexes: l.writableIndexes,
    readonlyIndexes: l.readonlyIndexes,
  }));
  const versioned = rec.version !== "legacy";
  let transaction: unknown;
  if (encoding === "base64") {
    transaction = [Buffer.from(rec.wire).toString("base64"), "base64"];
  } else if (encoding === "base58") {
    transaction = [toBase58(rec.wire), "base58"];
  } else if (encoding === "json" || encoding === "jsonParsed") {
    const parsed = encoding === "jsonParsed";
    transaction = {
      signatures,
      message: {
        accountKeys: parsed
          ? keys.map((pubkey, i) => ({
              pubkey,
              signer: msg.isAccountSigner(i),
              writable: msg.isAccountWritable(i),
              source: "transaction",
            }))
          : keys,
        header: msg.header,
        recentBlockhash: msg.recentBlockhash,
        instructions: msg.compiledInstructions.map((ix) =>
          parsed
            ? {
                programId: keys[ix.programIdIndex],
                accounts: ix.accountKeyIndexes.map((i) => keys[i]),
                data: toBase58(ix.data),
                stackHeight: 1,
              }
            : {
                programIdIndex: ix.programIdIndex,
                accounts: ix.accountKeyIndexes,
                data: toBase58(ix.data),
                stackHeight: null,
              },
        ),
        ...(versioned ? { addressTableLookups: lookups } : {}),
      },
    };
  } else {
    throw new RpcError(-32602, `Invalid params: unsupported encoding: ${String(encoding)}`);
  }
  return {
    slot: rec.slot,
    blockTime: rec.blockTime,
    transaction,
    meta: meta(rec, encoding === "jsonParsed", keys),
    ...(withVersion ? { version: rec.version } : {}),
  };
}
