import { describe, expect, it } from "vitest";
import { MigrationError, otherSchemaVanished } from "../../db/database.js";

const pgError = (message: string, code = "3F000") => Object.assign(new Error(message), { code });
const failed = (cause: Error) => new MigrationError("2026-11-21T0800-foundation", `migration failed: ${cause.message}`, cause);

describe("a migration that failed because another schema vanished is tried again; ours missing is not", () => {
  it("another test's or operator's schema dropped during introspection: look again", () => {
    expect(otherSchemaVanished(failed(pgError('schema "t_29756800446b" does not exist')), "t_aaaaaaaaaaaa")).toBe(true);
    expect(otherSchemaVanished(failed(pgError('schema "scratch" does not exist')), undefined)).toBe(true);
  });

  it("a table or column of another schema gone mid-introspection, before any migration ran: look again", () => {
    const before = (cause: Error) => new MigrationError("2026-11-21T0800-foundation", `migration failed before it ran: ${cause.message}`, cause, true);
    expect(otherSchemaVanished(before(pgError('column "user_id" of relation "web_login_links" does not exist', "42703")), "t_a")).toBe(true);
    expect(otherSchemaVanished(before(pgError('relation "t_b.web_sessions" does not exist', "42P01")), "t_a")).toBe(true);
    // The same codes from a migration's own `up`: a real failure, never run twice.
    expect(otherSchemaVanished(failed(pgError('column "user_id" of relation "web_login_links" does not exist', "42703")), "t_a")).toBe(false);
  });

  it("our own schema missing, another error code, or no cause: a real failure", () => {
    expect(otherSchemaVanished(failed(pgError('schema "t_aaaaaaaaaaaa" does not exist')), "t_aaaaaaaaaaaa")).toBe(false);
    expect(otherSchemaVanished(failed(pgError('schema "public" does not exist')), undefined)).toBe(false);
    expect(otherSchemaVanished(failed(pgError("permission denied for schema t_x", "42501")), "t_y")).toBe(false);
    expect(otherSchemaVanished(new Error("boom"), "t_y")).toBe(false);
  });
});
