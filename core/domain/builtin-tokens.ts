import type { Token } from "./token.js";

/**
 * Tokens Purser knows without asking anyone. Mints are mainnet; Pyth feed ids are the
 * published Crypto.X/USD feeds (wBTC uses WBTC/USD, wETH uses ETH/USD). `replaySymbol`
 * names the bundled Binance history (data/replay) used when live prices are unreachable.
 */
export const BUILTIN_TOKENS: readonly Token[] = Object.freeze([
  { symbol: "SOL", name: "Wrapped SOL", mint: "So11111111111111111111111111111111111111112", decimals: 9, verified: true, builtin: true, replaySymbol: "SOL", pythFeedId: "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d" },
  { symbol: "USDC", name: "USD Coin", mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", decimals: 6, verified: true, builtin: true, replaySymbol: "USDC", pythFeedId: "eaa020c61cc479712813461ce153894a96a6c00b21ed0cfc2798d1f9a9e9c94a" },
  { symbol: "USDT", name: "Tether USD", mint: "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB", decimals: 6, verified: true, builtin: true, pythFeedId: "2b89b9dc8fdf9f34709a5b106b472f0f39bb6ca9ce04b0fd7f2e971688e2e53b" },
  { symbol: "JUP", name: "Jupiter", mint: "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN", decimals: 6, verified: true, builtin: true, replaySymbol: "JUP", pythFeedId: "0a0408d619e9380abad35060f9192039ed5042fa6f82301d0e48bb52be830996" },
  { symbol: "BONK", name: "Bonk", mint: "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263", decimals: 5, verified: true, builtin: true, replaySymbol: "BONK", pythFeedId: "72b021217ca3fe68922a19aaf990109cb9d84e9ad004b4d2025ad6f529314419" },
  { symbol: "WIF", name: "dogwifhat", mint: "EKpQGSJtjMFqKZ9KQanSqYXRcF8fBopzLHYxdM65zcjm", decimals: 6, verified: true, builtin: true, pythFeedId: "4ca4beeca86f0d164160323817a4e42b10010a724c2217c6ee41b54cd4cc61fc" },
  { symbol: "WBTC", name: "Wrapped BTC (Wormhole)", mint: "3NZ9JMVBmGAqocybic2c7LQCJScmgsAZ6vQqTDzcqmJh", decimals: 8, verified: true, builtin: true, replaySymbol: "WBTC", pythFeedId: "c9d8b075a5c69303365ae23633d4e085199bf5c520a3b90fed1322a0342ffc33" },
  { symbol: "WETH", name: "Wrapped Ether (Wormhole)", mint: "7vfCXTUXx5WJV5JADk17DUJ4ksgau7utNKj4b963voxs", decimals: 8, verified: true, builtin: true, replaySymbol: "ETH", pythFeedId: "ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace" },
  { symbol: "JTO", name: "Jito", mint: "jtojtomepa8beP8AuQc6eXt5FriJwfFMwQx2v2f9mCL", decimals: 9, verified: true, builtin: true, pythFeedId: "b43660a5f790c69354b0729a5ef9d50d68f1df92107540210b9cccba1f947cc2" },
  { symbol: "PYTH", name: "Pyth Network", mint: "HZ1JovNiVvGrGNiiYvEozEVgZ58xaU3RKwX8eACQBCt3", decimals: 6, verified: true, builtin: true, pythFeedId: "0bbf28e9a841a1cc788f6a361b17ca072d0ea3098a1e5df1c3922d06719579ff" },
  { symbol: "RAY", name: "Raydium", mint: "4k3Dyjzvzp8eMZWUXbBCjEvwSkkk59S5iCNLY3QrkX6R", decimals: 6, verified: true, builtin: true, pythFeedId: "91568baa8beb53db23eb3fb7f22c6e8bd303d103919e19733f2bb642d3e7987a" },
] satisfies Token[]);

/** Common spellings users type for built-ins. */
export const SYMBOL_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  WSOL: "SOL",
  SOLANA: "SOL",
  BTC: "WBTC",
  BITCOIN: "WBTC",
  ETH: "WETH",
  ETHEREUM: "WETH",
  JUPITER: "JUP",
  DOGWIFHAT: "WIF",
});
