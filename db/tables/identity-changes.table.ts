/** One user whose cached identity answers changed (a /link, a role change): read by every process. */
export interface IdentityChangesTable {
  id: string;
  user_id: string;
  at: number;
}
