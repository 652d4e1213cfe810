/** Query parameters that carry a credential in an endpoint URL (Helius `?api-key=`, `?token=`). */
const SECRET_PARAM = /key|token|secret|auth|sig|pass/i;

/** Credentials inside a URL: its password and secret-looking query values. */
function urlSecrets(raw: string): string[] {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return []; // sqlite: and other non-URL values carry none
  }
  const out: string[] = [];
  if (u.password) out.push(decodeURIComponent(u.password));
  for (const [name, value] of u.searchParams) if (SECRET_PARAM.test(name) && value) out.push(value);
  return out;
}

/** The set values of the `secrets` settings, and the credentials inside the `urls` settings' values. */
export function secretsIn(source: Readonly<Record<string, unknown>>, secrets: readonly string[], urls: readonly string[]): string[] {
  const out: string[] = [];
  for (const n of secrets) {
    const v = source[n];
    if (typeof v === "string" && v.trim()) out.push(v.trim());
  }
  for (const n of urls) {
    const v = source[n];
    if (typeof v === "string" && v.trim()) out.push(...urlSecrets(v.trim()));
  }
  return out;
}
