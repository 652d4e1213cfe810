export interface UsersTable {
  id: string;
  display_name: string;
  role: string;
  merged_into: string | null;
  created_at: number;
}

export interface IdentitiesTable {
  platform: string;
  platform_user_id: string;
  user_id: string;
  display_name: string;
  linked_at: number;
}
