/** Wire helpers for the Discord fake: request bodies (JSON or multipart), error bodies, message text. */

export interface ParsedBody {
  json: unknown;
  files: Array<{ field: string; name: string; type: string; data: Buffer }>;
}

/**
 * JSON, or multipart/form-data as discord.js sends it with files: `payload_json` plus `files[n]` parts
 * (parsed by undici's FormData, the same parser fetch uses).
 */
export async function parseBody(contentType: string | undefined, raw: Buffer): Promise<ParsedBody> {
  const ct = contentType ?? "";
  if (ct.startsWith("multipart/form-data")) {
    const form = await new Request("http://127.0.0.1/", { method: "POST", headers: { "content-type": ct }, body: raw }).formData();
    const files: ParsedBody["files"] = [];
    let json: unknown;
    for (const [field, value] of form.entries()) {
      if (field === "payload_json" && typeof value === "string") json = JSON.parse(value);
      else if (typeof value !== "string") {
        const f = value as File;
        files.push({ field, name: f.name, type: f.type, data: Buffer.from(await f.arrayBuffer()) });
      }
    }
    return { json, files };
  }
  if (!raw.length) return { json: undefined, files: [] };
  try {
    return { json: JSON.parse(raw.toString("utf8")), files: [] };
  } catch {
    return { json: raw.toString("utf8"), files: [] };
  }
}

/** A Discord JSON error body (`{message, code}`) with its status. */
export const restError = (status: number, code: number, message: string) => ({ status, body: { message, code } });

interface EmbedLike {
  title?: string;
  description?: string;
  fields?: Array<{ name: string; value: string }>;
  image?: { url: string };
}

/** Plain text of a message as a user would read it: content, embed descriptions, "name: value" fields. */
export function plainMessage(m: Record<string, unknown>): string {
  const out: string[] = [];
  if (typeof m.content === "string" && m.content) out.push(m.content);
  for (const e of (m.embeds as EmbedLike[] | undefined) ?? []) {
    if (e.title) out.push(e.title);
    if (e.description) out.push(e.description);
    for (const f of e.fields ?? []) out.push(`${f.name}: ${f.value}`);
    if (e.image) out.push(`[image ${e.image.url}]`);
  }
  return out.join("\n");
}
