import { JupiterTokenInfo } from "../../adapters/prices/jupiter-token-info.js";
import { SolanaTokenSafetyReader } from "../../adapters/solana/token-safety-reader.js";
import { startJupiterFake, type JupiterFake } from "../fakes/jupiter-api.js";
import { startSolanaFake, type SolanaFake } from "../fakes/solana/rpc-server.js";
import { seedSafetyMints, type SafetyWorld } from "../fakes/solana/safety-mints.js";

/**
 * The token-card world (issue 18): a fake Solana node holding the safety mints, a fake Jupiter API
 * answering for them, and the real adapters pointed at both. `env` points an app's config at them.
 */
export interface SafetyFakes {
  sol: SolanaFake;
  jup: JupiterFake;
  world: SafetyWorld;
  reader: SolanaTokenSafetyReader;
  info: JupiterTokenInfo;
  env: { SOLANA_RPC_URL: string; JUPITER_API_ROOT: string };
  close(): Promise<void>;
}

export async function startSafetyFakes(opts: { now?: number } = {}): Promise<SafetyFakes> {
  const sol = await startSolanaFake();
  const world = seedSafetyMints(sol, opts);
  const jup = await startJupiterFake({ safetyTokens: { now: world.now } });
  return {
    sol,
    jup,
    world,
    reader: new SolanaTokenSafetyReader({ rpcUrl: sol.url, timeoutMs: 5_000 }),
    info: new JupiterTokenInfo({ root: jup.url, resilience: { ratePerSec: 0, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 1_000 } }),
    env: { SOLANA_RPC_URL: sol.url, JUPITER_API_ROOT: jup.url },
    close: async () => {
      await Promise.all([sol.close(), jup.close()]);
    },
  };
}
