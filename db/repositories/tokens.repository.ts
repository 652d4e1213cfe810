import type { Kysely, Selectable } from "kysely";
import type { Token } from "../../core/domain/token.js";
import type { TokenCache } from "../../core/ports/token-search.port.js";
import type { Database } from "../schema.js";
import type { TokensTable } from "../tables/tokens.table.js";

const toToken = (r: Selectable<TokensTable>): Token => ({
  symbol: r.symbol,
  name: r.name,
  mint: r.mint,
  decimals: Number(r.decimals),
  verified: Number(r.verified) === 1,
});

export class KyselyTokenCache implements TokenCache {
  constructor(private readonly db: Kysely<Database>) {}

  async byMint(mint: string): Promise<Token | undefined> {
    const r = await this.db.selectFrom("tokens").selectAll().where("mint", "=", mint).executeTakeFirst();
    return r ? toToken(r) : undefined;
  }

  async put(tokens: readonly Token[], now: number): Promise<void> {
    for (const t of tokens) {
      const row = {
        mint: t.mint,
        symbol: t.symbol,
        symbol_key: t.symbol.toUpperCase(),
        name: t.name,
        decimals: t.decimals,
        verified: t.verified ? 1 : 0,
        updated_at: now,
      };
      await this.db
        .insertInto("tokens")
        .values(row)
        .onConflict((oc) =>
          oc.column("mint").doUpdateSet({ symbol: row.symbol, symbol_key: row.symbol_key, name: row.name, decimals: row.decimals, verified: row.verified, updated_at: now }),
        )
        .execute();
    }
  }
}
