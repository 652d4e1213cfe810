/** The message model lives in core/domain (ports use it too); the router re-exports it. */
export type * from "../domain/message.js";
