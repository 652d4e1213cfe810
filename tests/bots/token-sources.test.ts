import { afterEach, describe, expect, it } from "vitest";
import { buildTokenSources } from "../../bots/wiring.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { startJupiterFake, type JupiterFake } from "../fakes/jupiter-api.js";
import { startSolanaFake, type SolanaFake } from "../fakes/solana/rpc-server.js";
import { SAFETY_MINTS, seedSafetyMints } from "../fakes/solana/safety-mints.js";
import { makeTestApp, type TestApp } from "../helpers/app.js";

describe("token card sources in the wiring", () => {
  let sol: SolanaFake | undefined;
  let jup: JupiterFake | undefined;
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    await sol?.close();
    await jup?.close();
    app = sol = jup = undefined;
  });

  it("reads safety facts from SOLANA_RPC_URL and market data from JUPITER_API_ROOT", async () => {
    sol = await startSolanaFake();
    const world = seedSafetyMints(sol);
    jup = await startJupiterFake({ safetyTokens: true });
    app = await makeTestApp({ env: { SOLANA_RPC_URL: sol.url, JUPITER_API_ROOT: jup.url } });
    const sources = buildTokenSources({ config: app.config, opts: { log: silentLogger }, market: app.market });
    expect(await sources.tokenSafety!.mintFacts(SAFETY_MINTS.freezable.mint)).toEqual(world.cases.freezable.facts);
    expect((await sources.tokenInfo.info(SAFETY_MINTS.freezable.mint))?.symbol).toBe("FRZ");
    expect(jup.requests.map((r) => r.path)).toEqual(["/tokens/v2/search"]);
  });

  it("has no chain reader when the app runs without a Solana connection, unless one is passed", async () => {
    app = await makeTestApp({ trading: { chain: null } });
    expect(buildTokenSources({ config: app.config, opts: { log: silentLogger, trading: { chain: null } }, market: app.market }).tokenSafety).toBeUndefined();
    const reader = { mintFacts: async () => { throw new Error("unused"); }, largestHolders: async () => { throw new Error("unused"); }, firstActivity: async () => ({ firstSeenAt: null, atLeast: false }) };
    const passed = buildTokenSources({ config: app.config, opts: { log: silentLogger, trading: { chain: null }, tokenSafety: reader }, market: app.market });
    expect(passed.tokenSafety).toBe(reader);
  });
});
