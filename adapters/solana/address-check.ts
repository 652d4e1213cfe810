import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { Connection, PublicKey, SystemProgram } from "@solana/web3.js";
import type { AddressChecker, AddressFacts } from "../../core/ports/address-book.port.js";
import { rpcConnection } from "./rpc-connection.js";
import { makeRedactor, rpcFailure, type Redact } from "./rpc-errors.js";

export interface AddressCheckOptions {
  rpcUrl: string;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
}

const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;
/** SPL Token's sizes: a mint is 82 bytes, a token account 165; Token-2022 adds extensions after byte 165, whose type byte says which. */
const MINT_SIZE = 82;
const ACCOUNT_SIZE = 165;
const ACCOUNT_TYPE_MINT = 1;

/**
 * What the chain says about a withdrawal address (issue 19), read with @solana/web3.js: a base58
 * 32-byte key on the ed25519 curve (an off-curve key is a program-derived address nobody can sign for),
 * then its account: a token account or mint of SPL Token or Token-2022, a program, an account owned by
 * some other program, or a plain wallet (System-owned, or not created yet). Every RPC failure is a
 * RemoteError("solana"): the caller refuses rather than add an address unchecked.
 */
export class SolanaAddressChecker implements AddressChecker {
  private readonly connection: Connection;
  private readonly redact: Redact;

  constructor(opts: AddressCheckOptions) {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    this.connection = rpcConnection(opts.rpcUrl, { timeoutMs });
    this.redact = makeRedactor([opts.rpcUrl]);
  }

  async check(address: string): Promise<AddressFacts> {
    if (!BASE58.test(address)) return { kind: "invalid" };
    let key: PublicKey;
    try {
      key = new PublicKey(address);
    } catch {
      return { kind: "invalid" };
    }
    if (key.toBase58() !== address) return { kind: "invalid" };
    if (!PublicKey.isOnCurve(key.toBytes())) return { kind: "off_curve" };
    let info;
    try {
      info = await this.connection.getAccountInfo(key);
    } catch (e) {
      throw rpcFailure(e, "getAccountInfo", this.redact);
    }
    if (!info) return { kind: "wallet", exists: false };
    if (info.executable) return { kind: "executable" };
    const program = info.owner.equals(TOKEN_PROGRAM_ID) ? "spl-token" : info.owner.equals(TOKEN_2022_PROGRAM_ID) ? "token-2022" : undefined;
    if (program) {
      const n = info.data.length;
      const mint = n === MINT_SIZE || (program === "token-2022" && n > ACCOUNT_SIZE && info.data[ACCOUNT_SIZE] === ACCOUNT_TYPE_MINT);
      // Anything else a token program owns (a token account, a multisig) is no wallet either.
      return mint ? { kind: "mint", program } : { kind: "token_account", program };
    }
    if (info.owner.equals(SystemProgram.programId)) return { kind: "wallet", exists: true };
    return { kind: "program_owned", owner: info.owner.toBase58() };
  }
}
