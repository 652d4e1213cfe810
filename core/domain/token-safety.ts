/**
 * Token safety (issue 18): what the chain itself says about a mint, and the flags a user sees.
 *
 * Facts come from Solana RPC (adapters/solana/token-safety-reader.ts); flags are derived here,
 * purely, so every front end and the trade policy judge a token the same way.
 *
 * Pure: imports only core/domain.
 */

export type TokenProgram = "spl-token" | "token-2022";

/** Token-2022 extensions that change what holding or selling the token means. */
export interface MintExtensions {
  /** Transfer fee: bps of every transfer, capped at maxFee base units per transfer. */
  transferFee?: { bps: number; maxFee: bigint };
  /** An address that can move or burn anyone's tokens. */
  permanentDelegate?: string;
  /** A program run on every transfer (can refuse transfers: a honeypot lever). */
  transferHook?: string;
  /** Tokens cannot be transferred at all once received. */
  nonTransferable?: boolean;
  /** New token accounts start frozen (the freeze authority must thaw them). */
  defaultFrozen?: boolean;
  /** Any other extension type names present (shown as info). */
  other?: string[];
}

/** The mint account as read from the chain. */
export interface MintFacts {
  mint: string;
  program: TokenProgram;
  decimals: number;
  supply: bigint;
  /** null: revoked. */
  mintAuthority: string | null;
  freezeAuthority: string | null;
  extensions: MintExtensions;
}

/** One of the largest token accounts (getTokenLargestAccounts), with its owner when known. */
export interface HolderAccount {
  account: string;
  owner: string | null;
  amount: bigint;
  /** Identified as a liquidity pool or a burn address: excluded from the concentration figure. */
  excluded: "pool" | "burn" | null;
}

export interface HolderFacts {
  supply: bigint;
  largest: HolderAccount[];
}

/** The oldest transaction touching the mint that we could find (ms since epoch), or null when unknown. */
export interface AgeFacts {
  firstSeenAt: number | null;
  /** True when the search stopped at its page limit: the token is at least this old. */
  atLeast: boolean;
}

export type FlagSeverity = "red" | "warn" | "info";

export type SafetyFlagCode =
  | "mint_authority"
  | "freeze_authority"
  | "top_holders"
  | "transfer_fee"
  | "permanent_delegate"
  | "transfer_hook"
  | "non_transferable"
  | "default_frozen"
  | "new_token"
  | "other_extensions";

/** One flag and what it means for the user, in plain words. */
export interface SafetyFlag {
  code: SafetyFlagCode;
  severity: FlagSeverity;
  /** Short title, e.g. "Freeze authority present". */
  title: string;
  /** What it means for the user, e.g. "the issuer can freeze your tokens so you cannot sell". */
  meaning: string;
}

/** The safety section: the facts it came from (each null when its source failed) and the flags. */
export interface SafetyReport {
  mint: string;
  facts: { mint: MintFacts | null; holders: HolderFacts | null; age: AgeFacts | null };
  /** Top-10 holders' share of supply (percent, pools and burns excluded), null when unknown. */
  top10Pct: number | null;
  flags: SafetyFlag[];
  /** Which checks could not run (source failed): the report is partial. */
  missing: Array<"mint" | "holders" | "age">;
  checkedAt: number;
}

/** `TOKEN_SAFETY`: warn (red flags need an explicit "I understand the risks") or block (refused). */
export type TokenSafetyPolicy = "warn" | "block";
