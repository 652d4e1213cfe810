import { afterEach, describe, expect, it } from "vitest";
import { buildTokenSources } from "../../bots/wiring.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { SAFETY_MINTS } from "../fakes/solana/safety-mints.js";
import { makeTestApp, type TestApp } from "../helpers/app.js";
import { startSafetyFakes, type SafetyFakes } from "../helpers/safety-world.js";

describe("token card sources in the wiring", () => {
  let fakes: SafetyFakes | undefined;
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    await fakes?.close();
    app = fakes = undefined;
  });

  it("reads safety facts from SOLANA_RPC_URL and market data from JUPITER_API_ROOT", async () => {
    fakes = await startSafetyFakes();
    const { world, jup } = fakes;
    app = await makeTestApp({ env: fakes.env });
    const sources = buildTokenSources({ config: app.config, opts: { log: silentLogger }, market: app.market });
    expect(await sources.tokenSafety!.mintFacts(SAFETY_MINTS.freezable.mint)).toEqual(world.cases.freezable.facts);
    expect((await sources.tokenInfo.info(SAFETY_MINTS.freezable.mint))?.symbol).toBe("FRZ");
    expect(jup.requests.map((r) => r.path)).toEqual(["/tokens/v2/search"]);
  });

  it("has no chain reader when the app runs without a Solana connection, unless one is passed", async () => {
    app = await makeTestApp({ trading: { chain: null } });
    expect(buildTokenSources({ config: app.config, opts: { log: silentLogger, trading: { chain: null } }, market: app.market }).tokenSafety).toBeUndefined();
    const reader = { mintFacts: async () => { throw new Error("unused"); }, largestHolders: async () => { throw new Error("unused"); }, firstActivity: async () => ({ firstSeenAt: null, atLeast: false }), poolMints: async () => undefined };
    const passed = buildTokenSources({ config: app.config, opts: { log: silentLogger, trading: { chain: null }, tokenSafety: reader }, market: app.market });
    expect(passed.tokenSafety).toBe(reader);
  });
});
