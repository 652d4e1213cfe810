/**
 * "Paste to look" (issue 18): a message that is just a mint address, or just a link to a token page
 * on pump.fun, Jupiter, Birdeye, DexScreener or Solscan, names the token to show. Anything else (a
 * sentence that happens to contain base58) is not a paste. Pure: imports only core/domain.
 */
import { isSolanaAddress } from "./base58.js";

const mintOr = (s: string | null | undefined): string | null => (s && isSolanaAddress(s) ? s : null);

/** Path segments of a link, after its host; `undefined` when the text is not one link. */
function parseLink(text: string): { host: string; parts: string[]; query: URLSearchParams } | undefined {
  if (/\s/.test(text)) return undefined;
  let url: URL;
  try {
    url = new URL(/^https?:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  if (url.username || url.password || url.port) return undefined;
  const host = url.hostname.toLowerCase().replace(/^www\./, "");
  const parts = url.pathname.split("/").filter(Boolean).map((p) => safeDecode(p));
  return { host, parts, query: url.searchParams };
}

const safeDecode = (p: string) => {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
};

/** `SOL-<mint>` (Jupiter's swap pair): the side bought, else the other side when only it is a mint. */
const pairMint = (pair: string | undefined): string | null => {
  if (!pair) return null;
  const [sell, buy, ...rest] = pair.split("-");
  if (rest.length) return null;
  return mintOr(buy) ?? mintOr(sell);
};

/** The mint named by a link to a token's page, or null. */
function mintFromLink(host: string, parts: string[], query: URLSearchParams): string | null {
  const [a, b, c] = parts;
  switch (host) {
    case "pump.fun":
      // pump.fun/coin/<mint>, pump.fun/<mint>
      if (a === "coin" && parts.length === 2) return mintOr(b);
      return parts.length === 1 ? mintOr(a) : null;
    case "jup.ag":
      // jup.ag/tokens/<mint>, jup.ag/swap/SOL-<mint>, jup.ag/swap?sell=<mint>&buy=<mint>
      if (a === "tokens" && parts.length === 2) return mintOr(b);
      if (a === "swap" && parts.length === 2) return pairMint(b);
      if (a === "swap" && parts.length === 1) return mintOr(query.get("buy")) ?? mintOr(query.get("sell"));
      return null;
    case "birdeye.so":
      // birdeye.so/token/<mint>?chain=solana (another chain's token is not ours to show)
      if (a !== "token" || parts.length !== 2) return null;
      return (query.get("chain") ?? "solana").toLowerCase() === "solana" ? mintOr(b) : null;
    case "dexscreener.com":
      // dexscreener.com/solana/<pair or mint>: a pair is a pool's address, passed on as given; the card
      // service reads the pool on chain and shows the token it trades (core/services/token-card.service.ts)
      return a === "solana" && parts.length === 2 ? mintOr(b) : null;
    case "solscan.io":
      // solscan.io/token/<mint> (a devnet or testnet cluster is not ours either)
      if (a !== "token" || parts.length !== 2 || c !== undefined) return null;
      return query.get("cluster") && query.get("cluster") !== "mainnet" ? null : mintOr(b);
    default:
      return null;
  }
}

/** The mint a message names when it is JUST a mint address or JUST a token link; null otherwise. */
export function mintFromPaste(text: string): string | null {
  const t = text.trim().replace(/^<(.+)>$/, "$1"); // Discord's <url> (no embed) form
  if (!t || t.length > 300) return null;
  if (isSolanaAddress(t)) return t;
  const link = parseLink(t);
  return link ? mintFromLink(link.host, link.parts, link.query) : null;
}
