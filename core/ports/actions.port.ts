import type { Button } from "../domain/message.js";
import type { ActionRecord } from "./action-tokens.port.js";

export interface ButtonSpec {
  label: string;
  action: string;
  payload?: unknown;
  style?: Button["style"];
}

/** Buttons bound to the person who caused them: issued with a reply, used once by their owner. */
export interface ActionsPort {
  issue(userId: string, command: string, specs: ButtonSpec[], ttlMs?: number): Promise<Button[]>;
  /** Throws UserError: action_unknown (forged), not_your_button, action_used, action_expired. */
  use(token: string, userId: string): Promise<ActionRecord>;
}
