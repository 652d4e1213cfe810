import type { Kysely } from "kysely";

// TOKEN_SAFETY on automations (issue 18): the safety flags of the token an automation would receive
// that its owner acknowledged ("I understand the risks") when creating it, a JSON array of flag codes
// (db/repositories/automation-codec.ts); [] when the check could not run then. NULL: nothing needed
// acknowledging, or an automation from before. Every firing passes them on as acknowledged.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("automations").addColumn("acknowledged_risk", "text").execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("automations").dropColumn("acknowledged_risk").execute();
}
