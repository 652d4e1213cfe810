import type { Platform, Role } from "../../core/domain/identity.js";

export interface UsersTable {
  id: string;
  display_name: string;
  role: Role;
  merged_into: string | null;
  created_at: number;
}

export interface IdentitiesTable {
  platform: Platform;
  platform_user_id: string;
  user_id: string;
  display_name: string;
  linked_at: number;
}
