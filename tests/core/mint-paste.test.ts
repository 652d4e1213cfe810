import { describe, expect, it } from "vitest";
import { isSolanaAddress } from "../../core/domain/base58.js";
import { mintFromPaste } from "../../core/domain/mint-paste.js";

const JUP = "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN";
const PUMP = "9BB6NFEcjBCtnNLFko2FqVQBq8HHM13kCyYcdQbgpump";
const SOL = "So11111111111111111111111111111111111111112";
const RAY_POOL = "58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2";

describe("paste detection: a message that is just a mint or a token link", () => {
  it("a bare mint address, with surrounding whitespace, is a paste", () => {
    expect(mintFromPaste(JUP)).toBe(JUP);
    expect(mintFromPaste(`  ${PUMP}\n`)).toBe(PUMP);
  });

  it.each([
    ["pump.fun coin page", `https://pump.fun/coin/${PUMP}`, PUMP],
    ["pump.fun short link", `https://pump.fun/${PUMP}`, PUMP],
    ["pump.fun without a scheme", `pump.fun/coin/${PUMP}`, PUMP],
    ["pump.fun with www and a referral", `https://www.pump.fun/coin/${PUMP}?ref=abc`, PUMP],
    ["Jupiter swap pair", `https://jup.ag/swap/SOL-${JUP}`, JUP],
    ["Jupiter swap pair of two mints (the side bought)", `https://jup.ag/swap/${SOL}-${JUP}`, JUP],
    ["Jupiter token page", `https://jup.ag/tokens/${JUP}`, JUP],
    ["Jupiter swap query", `https://jup.ag/swap?sell=${SOL}&buy=${JUP}`, JUP],
    ["Birdeye token page", `https://birdeye.so/token/${JUP}?chain=solana`, JUP],
    ["Birdeye without a chain", `https://birdeye.so/token/${JUP}`, JUP],
    ["DexScreener", `https://dexscreener.com/solana/${JUP}`, JUP],
    // a pair link names the pool: passed on as given, the card service resolves it to the token it trades
    ["DexScreener pair (a Raydium pool's address)", `https://dexscreener.com/solana/${RAY_POOL}?maker=x`, RAY_POOL],
    ["Solscan token page", `https://solscan.io/token/${JUP}`, JUP],
    ["Solscan with a fragment", `https://solscan.io/token/${JUP}#holders`, JUP],
    ["a link in Discord's no-embed brackets", `<https://solscan.io/token/${JUP}>`, JUP],
  ])("%s names the mint", (_what, text, mint) => {
    expect(mintFromPaste(text)).toBe(mint);
  });

  it.each([
    ["a sentence containing a mint", `what do you think of ${JUP} today?`],
    ["a mint followed by a word", `${JUP} looks good`],
    ["two mints", `${JUP} ${PUMP}`],
    ["a link with words around it", `check https://pump.fun/coin/${PUMP} now`],
    ["base58 of the wrong length (30 bytes)", "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDv"],
    ["base58 that decodes to 33 bytes", "z".repeat(44)],
    ["a mint with a character base58 lacks", `${JUP.slice(0, -1)}0`],
    ["an unknown site", `https://example.com/token/${JUP}`],
    ["a look-alike host", `https://pump.fun.evil.io/coin/${PUMP}`],
    ["a known site's other page", `https://solscan.io/account/${JUP}`],
    ["Birdeye on another chain", `https://birdeye.so/token/${JUP}?chain=ethereum`],
    ["Solscan on devnet", `https://solscan.io/token/${JUP}?cluster=devnet`],
    ["DexScreener on another chain", `https://dexscreener.com/ethereum/${JUP}`],
    ["a Jupiter pair of symbols", "https://jup.ag/swap/SOL-USDC"],
    ["a link with credentials", `https://user:pw@solscan.io/token/${JUP}`],
    ["a symbol", "BONK"],
    ["a command", `/price ${JUP}`],
    ["nothing", "   "],
  ])("%s is not a paste", (_what, text) => {
    expect(mintFromPaste(text)).toBeNull();
  });

  it("an address is 32 bytes of base58, whatever its length in characters", () => {
    expect(isSolanaAddress("11111111111111111111111111111111")).toBe(true); // the system program: 32 zero bytes
    expect(isSolanaAddress(SOL)).toBe(true);
    expect(isSolanaAddress("1".repeat(33))).toBe(false);
  });
});
