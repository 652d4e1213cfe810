/** A user's withdrawal address (issue 19); label_key is the label in lower case (unique per user). */
export interface WithdrawAddressesTable {
  id: string;
  user_id: string;
  label: string;
  label_key: string;
  address: string;
  added_at: number;
  usable_at: number;
  warning: string | null;
}

/** A user's own withdrawal freeze ("this wasn't me"): a row while frozen. */
export interface WithdrawFreezesTable {
  user_id: string;
  reason: string;
  frozen_at: number;
}
