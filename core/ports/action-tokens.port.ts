/** A button's server-side meaning; the platform only ever sees the opaque token. */
export interface ActionRecord {
  token: string;
  /** Buttons issued together (Confirm + Cancel) share a group: using one uses them all. */
  groupId: string;
  userId: string;
  command: string;
  action: string;
  payload: unknown;
  expiresAt: number;
  usedAt: number | null;
}

export interface ActionTokenStore {
  insert(records: ActionRecord[]): Promise<void>;
  get(token: string): Promise<ActionRecord | undefined>;
  /** True for exactly one caller across processes: the one that used the group. */
  consumeGroup(groupId: string, now: number): Promise<boolean>;
}
