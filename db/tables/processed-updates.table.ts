export interface ProcessedUpdatesTable {
  platform: string;
  update_id: string;
  /** 'claimed' while being handled, 'done' after. */
  state: string;
  claimed_at: number;
  done_at: number | null;
}
