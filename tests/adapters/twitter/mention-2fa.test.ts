import { describe, expect, it } from "vitest";
import { decideMention } from "../../../adapters/twitter/mention-policy.js";
import { commands } from "../../../commands/index.js";

const ME = { id: "1000000000000000001", username: "PurserBot" };
const KNOWN = new Set(commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]));

describe("2FA on X", () => {
  it("/2fa and /code are refused in public, with or without a slash, and never routed", () => {
    for (const t of ["@PurserBot /2fa setup", "@PurserBot 2fa disable 123456", "@PurserBot /code 123456", "@PurserBot code abcd-efgh-jk", "@PurserBot help 2fa", "@PurserBot my recovery codes?", "@PurserBot twofa"]) {
      expect(decideMention({ text: t }, ME, KNOWN), t).toEqual({ kind: "refuse" });
    }
  });
});
