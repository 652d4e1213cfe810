/**
 * In-memory fakes of the token-safety ports (ChainTokenReader, TokenInfoSource) and real-shaped facts
 * for the mints the issue names: a plain SPL mint with authorities revoked, one with a freeze authority,
 * a Token-2022 mint with a transfer fee and a permanent delegate, one where 3 wallets hold 90%.
 *
 * Every call is logged when it starts (so a test sees that sources run at the same time without timing
 * anything); a source can answer, fail, or hang until released.
 */
import type { PoolMints } from "../../core/domain/pool-pair.js";
import type { TokenMarketInfo } from "../../core/domain/token-card.js";
import type { AgeFacts, HolderAccount, HolderFacts, MintFacts } from "../../core/domain/token-safety.js";
import { RemoteError, UserError } from "../../core/errors.js";
import type { ChainTokenReader, TokenInfoSource } from "../../core/ports/token-safety.port.js";

export const SUPPLY = 1_000_000_000_000_000n; // 1e9 tokens at 6 decimals
const NOW = Date.UTC(2026, 0, 1);

export const MINTS = {
  clean: "CLEANmint1111111111111111111111111111111111",
  frozen: "FREEZEmint111111111111111111111111111111111",
  fee: "FEEmint2222222222222222222222222222222222222",
  whales: "WHALEmint11111111111111111111111111111111111",
} as const;

export function mintFacts(mint: string, over: Partial<MintFacts> = {}): MintFacts {
  return { mint, program: "spl-token", decimals: 6, supply: SUPPLY, mintAuthority: null, freezeAuthority: null, extensions: {}, ...over };
}

/** `n` holders sharing `pct` percent of the supply evenly, the rest spread over 50 small holders. */
export function holders(supply: bigint, spec: Array<{ pct: number; excluded?: HolderAccount["excluded"] }>): HolderFacts {
  const largest: HolderAccount[] = spec.map((s, i) => ({
    account: `acct${i}`,
    owner: `owner${i}`,
    amount: (supply * BigInt(Math.round(s.pct * 100))) / 10_000n,
    excluded: s.excluded ?? null,
  }));
  return { supply, largest };
}

/** Twenty holders of 1% each: 10% in the top ten, no flag. */
export const spreadHolders = (supply = SUPPLY) => holders(supply, Array.from({ length: 20 }, () => ({ pct: 1 })));
export const oldAge = (now = NOW): AgeFacts => ({ firstSeenAt: now - 400 * 86_400_000, atLeast: false });

/** The chain as the fakes hold it: the issue's four mints. */
export function issueMints(now = NOW): Map<string, { mint: MintFacts; holders: HolderFacts; age: AgeFacts }> {
  return new Map([
    [MINTS.clean, { mint: mintFacts(MINTS.clean), holders: spreadHolders(), age: oldAge(now) }],
    [MINTS.frozen, { mint: mintFacts(MINTS.frozen, { freezeAuthority: "Fr3ezer11111111111111111111111111111111111" }), holders: spreadHolders(), age: oldAge(now) }],
    [
      MINTS.fee,
      {
        mint: mintFacts(MINTS.fee, {
          program: "token-2022",
          extensions: { transferFee: { bps: 500, maxFee: (1n << 64n) - 1n }, permanentDelegate: "De1egate1111111111111111111111111111111111" },
        }),
        holders: spreadHolders(),
        age: oldAge(now),
      },
    ],
    [MINTS.whales, { mint: mintFacts(MINTS.whales), holders: holders(SUPPLY, [{ pct: 30 }, { pct: 30 }, { pct: 30 }, { pct: 1 }]), age: oldAge(now) }],
  ]);
}

type Part = "mintFacts" | "largestHolders" | "firstActivity" | "info" | "poolMints";
type Behaviour = "answer" | "fail" | "hang";

/** A promise released by the test. */
export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Both ports in one: the chain's facts and Jupiter's token info for a set of mints. */
export class FakeTokenSources implements ChainTokenReader, TokenInfoSource {
  /** Every call as it started: `${part}:${mint}`. */
  readonly calls: string[] = [];
  private readonly behaviour = new Map<Part, Behaviour>();
  private readonly held: Array<() => void> = [];
  /** Resolved each time a call starts, so a test can wait for "all started". */
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(
    readonly chain = issueMints(),
    readonly market = new Map<string, TokenMarketInfo>(),
    /** DEX pools by address (a DexScreener pair link names one). */
    readonly pools = new Map<string, PoolMints>(),
  ) {}

  set(part: Part, b: Behaviour): this {
    this.behaviour.set(part, b);
    return this;
  }

  /** Lets every hanging call answer. */
  release(): void {
    for (const r of this.held.splice(0)) r();
  }

  /** Resolves once `n` calls have started in all. */
  started(n: number): Promise<void> {
    if (this.calls.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  /** Logs a call as started (other fakes in a test log into the same list). */
  log(call: string): void {
    this.calls.push(call);
    this.waiters = this.waiters.filter((w) => (this.calls.length >= w.n ? (w.resolve(), false) : true));
  }

  private async run<T>(part: Part, mint: string, answer: () => T): Promise<T> {
    this.log(`${part}:${mint}`);
    const b = this.behaviour.get(part) ?? "answer";
    if (b === "hang") await new Promise<void>((r) => this.held.push(r));
    if (b === "fail") throw new RemoteError(part === "info" ? "jupiter" : "solana", `${part} failed`, true);
    return answer();
  }

  private fact(mint: string) {
    const f = this.chain.get(mint);
    if (!f) throw new UserError("bad_token", `${mint.slice(0, 6)} is not a token mint.`);
    return f;
  }

  mintFacts(mint: string): Promise<MintFacts> {
    return this.run("mintFacts", mint, () => this.fact(mint).mint);
  }
  largestHolders(mint: string): Promise<HolderFacts> {
    return this.run("largestHolders", mint, () => this.fact(mint).holders);
  }
  firstActivity(mint: string): Promise<AgeFacts> {
    return this.run("firstActivity", mint, () => this.fact(mint).age);
  }
  poolMints(address: string): Promise<PoolMints | undefined> {
    return this.run("poolMints", address, () => this.pools.get(address));
  }
  info(mint: string): Promise<TokenMarketInfo | undefined> {
    return this.run("info", mint, () => this.market.get(mint));
  }
}

export function marketInfo(mint: string, over: Partial<TokenMarketInfo> = {}): TokenMarketInfo {
  return {
    mint,
    name: "Test Token",
    symbol: "TEST",
    decimals: 6,
    priceUsd: 0.01,
    priceChange24hPct: 5,
    liquidityUsd: 250_000,
    mcapUsd: 10_000_000,
    fdvUsd: 10_000_000,
    volume24hUsd: 1_000_000,
    holderCount: 12_345,
    verified: true,
    organicScore: 80,
    organicLabel: "high",
    tags: ["verified"],
    createdAt: NOW - 400 * 86_400_000,
    ...over,
  };
}
