import { z } from "@hono/zod-openapi";

// Request and response schemas of /api/v1 (issue 21): one source for validation and the OpenAPI 3.1 document.

export const ErrorBody = z.object({ error: z.string(), message: z.string() }).openapi("Error");

const errors = (...codes: Array<400 | 401 | 403 | 404 | 409 | 429>) =>
  Object.fromEntries(codes.map((c) => [c, { description: ERROR_TEXT[c], content: { "application/json": { schema: ErrorBody } } }]));
const ERROR_TEXT = {
  400: "The request does not fit the schema, or the command refused it",
  401: "No valid session cookie or API token",
  403: "Not allowed: CSRF check failed, read-only token, admin only, or private to the caller",
  404: "No such thing",
  409: "The button was already used or has expired",
  429: "Too many requests: retry after the Retry-After header's seconds",
} as const;
/** Every route may answer these. */
export const readErrors = () => errors(401, 403, 404, 429);
export const writeErrors = () => errors(400, 401, 403, 404, 409, 429);

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  200: { description, content: { "application/json": { schema } } },
});
export const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

export const Session = z.object({ userId: z.string(), name: z.string(), role: z.enum(["user", "admin"]), csrf: z.string() }).openapi("Session");

export const Holding = z
  .object({ symbol: z.string(), mint: z.string(), amount: z.string(), priceUsd: z.number().nullable(), valueUsd: z.number().nullable(), share: z.number().nullable() })
  .openapi("Holding");
export const Portfolio = z
  .object({
    mode: z.enum(["paper", "live"]),
    totalUsd: z.number(),
    holdings: z.array(Holding),
    pnl: z.object({ unrealizedUsd: z.number().nullable(), realizedUsd: z.number().nullable() }),
  })
  .openapi("Portfolio");
export const PortfolioHistory = z.object({ points: z.array(z.object({ t: z.number(), valueUsd: z.number() })) }).openapi("PortfolioHistory");

export const Trade = z
  .object({
    id: z.string(),
    side: z.enum(["buy", "sell"]),
    symbol: z.string(),
    amount: z.string(),
    status: z.string(),
    createdAt: z.number(),
    signature: z.string().optional(),
    explorerUrl: z.string().optional(),
  })
  .openapi("Trade");
export const Trades = z.object({ trades: z.array(Trade) }).openapi("Trades");

const tokenArg = z.string().trim().min(1).max(64).regex(/^[^\s/]+$/, "one token: a symbol or a mint");
const amountArg = z.string().trim().min(1).max(32).regex(/^[0-9.]+%?$|^all$/i, "a number, NN% or all");
const priceArg = z.union([z.number().positive(), z.string().trim().regex(/^[0-9.]+%?$/, "a price or N%")]);

export const TradePreviewRequest = z
  .object({ side: z.enum(["buy", "sell"]), token: tokenArg, amount: amountArg, pay: tokenArg.optional() })
  .openapi("TradePreviewRequest");

export const Actions = z.object({ confirm: z.string(), cancel: z.string() }).partial().openapi("Actions");
export const Preview = z.object({ preview: z.object({ kind: z.string(), text: z.string(), actions: Actions }) }).openapi("Preview");
export const ReplyBody = z.object({ reply: z.object({ kind: z.string(), text: z.string(), actions: Actions.optional() }) }).openapi("Reply");

export const Prices = z.object({ prices: z.array(z.object({ symbol: z.string(), priceUsd: z.number(), at: z.number() })) }).openapi("Prices");
export const PricesQuery = z.object({ tokens: z.string().max(400).regex(/^[^\s]+$/, "comma-separated tokens") });

export const Alert = z.object({ id: z.string(), text: z.string() }).openapi("Alert");
export const Alerts = z.object({ alerts: z.array(Alert) }).openapi("Alerts");
export const AlertRequest = z.object({ token: tokenArg, op: z.enum(["above", "below"]), price: z.number().positive() }).openapi("AlertRequest");

export const Automation = z.object({ id: z.string(), kind: z.string(), status: z.string(), text: z.string() }).openapi("Automation");
export const Automations = z.object({ automations: z.array(Automation) }).openapi("Automations");
export const AutomationRequest = z
  .object({
    kind: z.enum(["limit", "stop", "tp", "trail", "dca"]),
    side: z.enum(["buy", "sell"]).optional().openapi({ description: "limit only" }),
    token: tokenArg,
    amount: amountArg.optional(),
    pay: tokenArg.optional(),
    price: priceArg.optional().openapi({ description: "limit/stop/tp: price or N%; trail: N%" }),
    every: z.string().regex(/^\d+[hd]$/).optional().openapi({ description: "dca: 1h..30d" }),
    times: z.number().int().positive().max(1000).optional(),
  })
  .openapi("AutomationRequest");

export const IdParam = z.object({ id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/) });
export const ActionParam = z.object({ action: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/) });

export const Settings = z.object({ settings: z.array(z.object({ name: z.string(), value: z.string() })), text: z.string() }).openapi("Settings");
export const SettingsPatch = z
  .object({ name: z.enum(["slippage", "presets", "pay", "quickbuy", "alerts", "quiet", "fee", "reset"]), value: z.string().max(120).default("") })
  .openapi("SettingsPatch");

export const Treasury = z
  .object({
    enabled: z.boolean(),
    paused: z.boolean(),
    text: z.string(),
    allocation: z.array(z.object({ symbol: z.string(), share: z.number(), target: z.number().nullable(), valueUsd: z.number() })),
  })
  .openapi("Treasury");
export const Audit = z
  .object({ entries: z.array(z.object({ at: z.number(), userId: z.string().nullable(), platform: z.string().nullable(), action: z.string(), detail: z.record(z.string(), z.unknown()) })) })
  .openapi("Audit");
export const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

export type PortfolioJson = z.infer<typeof Portfolio>;
export type TradeJson = z.infer<typeof Trade>;
export type AlertJson = z.infer<typeof Alert>;
export type AutomationJson = z.infer<typeof Automation>;
export type TreasuryJson = z.infer<typeof Treasury>;
export type AuditJson = z.infer<typeof Audit>["entries"][number];
export type SettingsJson = z.infer<typeof Settings>;
export const HistoryQuery = z.object({ days: z.coerce.number().int().min(1).max(365).default(30) });
