/** The treasury's own user id: owner of its orders, book and wallet. */
export const TREASURY_USER = "treasury";
