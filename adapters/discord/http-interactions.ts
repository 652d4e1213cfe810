import { createPublicKey, verify, type KeyObject } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../../core/ports/logger.port.js";
import type { Choice } from "./autocomplete.js";
import { factsFromApi, type ApiInteraction, type InteractionFacts } from "./normalize.js";

/** Ed25519 SubjectPublicKeyInfo prefix: the 32 raw key bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
export const MAX_SIGNATURE_AGE_S = 300;
const EPHEMERAL = 1 << 6;

/** The application's public key (64 hex characters, from the Developer Portal) as a KeyObject. */
export function publicKeyFromHex(hex: string): KeyObject {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error("DISCORD_PUBLIC_KEY must be 64 hex characters");
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, "hex")]), format: "der", type: "spki" });
}

/**
 * Discord signs `X-Signature-Timestamp + rawBody` with Ed25519. We also refuse timestamps more than five
 * minutes away from now, so a captured request cannot be replayed later.
 */
export function verifyDiscordSignature(key: KeyObject, signatureHex: string | undefined, timestamp: string | undefined, body: Buffer, nowMs: number): boolean {
  if (!signatureHex || !timestamp || !/^[0-9a-f]{128}$/i.test(signatureHex) || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_SIGNATURE_AGE_S) return false;
  try {
    return verify(null, Buffer.concat([Buffer.from(timestamp, "utf8"), body]), key, Buffer.from(signatureHex, "hex"));
  } catch {
    return false;
  }
}

export interface HttpInteractionDeps {
  publicKey: KeyObject;
  now: () => number;
  log: Logger;
  autocomplete(f: InteractionFacts): Choice[];
  /** Command or button: whether the deferral is ephemeral, and the processing to start once it is sent. */
  accept(f: InteractionFacts, raw: ApiInteraction): { ephemeral: boolean; run(): void };
}

const json = (res: ServerResponse, status: number, body: unknown, then?: () => void) => {
  if (then) {
    let started = false;
    const go = () => {
      if (started) return;
      started = true;
      then();
    };
    res.once("finish", go).once("close", go);
  }
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
};

/**
 * Node http handler for Discord's Interactions Endpoint URL, given the body the HTTP server read (capped
 * there, 413 over 1 MB): 401 on a missing or bad signature or a stale
 * timestamp (nothing is processed), PING -> `{type: 1}`, autocomplete answered inline (`{type: 8}`),
 * commands and buttons -> `{type: 5}` at once (flags 64 when ephemeral), then the router runs and the
 * answer edits the original response through REST.
 */
export function interactionsHandler(deps: HttpInteractionDeps): (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void> {
  const log = deps.log;
  return async (req, res, body) => {
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    const sig = req.headers["x-signature-ed25519"];
    const ts = req.headers["x-signature-timestamp"];
    if (!verifyDiscordSignature(deps.publicKey, typeof sig === "string" ? sig : undefined, typeof ts === "string" ? ts : undefined, body, deps.now())) {
      log.info({ path: req.url?.split("?")[0] }, "discord interaction refused: bad signature or timestamp");
      res.writeHead(401, { "content-type": "text/plain" }).end("invalid request signature");
      return;
    }
    let payload: ApiInteraction;
    try {
      payload = JSON.parse(body.toString("utf8")) as ApiInteraction;
      if (!payload || typeof payload !== "object" || typeof payload.type !== "number" || typeof payload.id !== "string") throw new Error("shape");
    } catch {
      json(res, 400, { error: "invalid interaction" });
      return;
    }
    const facts = factsFromApi(payload);
    switch (facts.kind) {
      case "ping":
        json(res, 200, { type: 1 });
        return;
      case "autocomplete":
        json(res, 200, { type: 8, data: { choices: deps.autocomplete(facts) } });
        return;
      case "command":
      case "button": {
        const { ephemeral, run } = deps.accept(facts, payload);
        // The deferral must reach Discord before anything edits it: start once the response is flushed.
        json(res, 200, { type: 5, ...(ephemeral ? { data: { flags: EPHEMERAL } } : {}) }, run);
        return;
      }
      default:
        json(res, 200, { type: 4, data: { content: "That kind of interaction is not supported.", flags: EPHEMERAL } });
    }
  };
}
