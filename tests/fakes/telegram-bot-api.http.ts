// Wire-level helpers of the fake Telegram Bot API: reading request parameters
// from a query string, JSON, urlencoded or multipart/form-data body, and
// posting updates to a webhook.

import http from "node:http";

export interface UploadedFile {
  field: string;
  filename?: string;
  contentType?: string;
  bytes: number;
  data: Buffer;
}

export interface RequestParams {
  params: Record<string, unknown>;
  files: Record<string, UploadedFile>;
}

export async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Merges query-string and body parameters, as Telegram accepts both. */
export function parseParams(url: URL, contentType: string | undefined, body: Buffer): RequestParams {
  const params: Record<string, unknown> = {};
  const files: Record<string, UploadedFile> = {};
  for (const [k, v] of url.searchParams) params[k] = v;
  const type = (contentType ?? "").toLowerCase();
  if (body.length === 0) return { params, files };
  if (type.startsWith("application/json")) {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) Object.assign(params, parsed);
  } else if (type.startsWith("application/x-www-form-urlencoded")) {
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params[k] = v;
  } else if (type.startsWith("multipart/form-data")) {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? "");
    const b = boundary?.[1] ?? boundary?.[2];
    if (!b) throw new Error("multipart body without boundary");
    for (const part of parseMultipart(body, b)) {
      if (part.filename !== undefined) {
        files[part.name] = {
          field: part.name,
          filename: part.filename,
          contentType: part.contentType,
          bytes: part.data.length,
          data: part.data,
        };
      } else {
        params[part.name] = part.data.toString("utf8");
      }
    }
  }
  return { params, files };
}

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/**
 * Minimal multipart/form-data parser. Tolerates grammY's header style
 * (`content-disposition:form-data;name="x";filename=photo.jpg`, no spaces and
 * an unquoted filename).
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === "--") break;
    if (body.subarray(pos, pos + 2).toString() === "\r\n") pos += 2;
    const headerEnd = body.indexOf("\r\n\r\n", pos);
    if (headerEnd < 0) break;
    const headers = parseHeaders(body.subarray(pos, headerEnd).toString("utf8"));
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd + 4);
    if (next < 0) break;
    const disposition = headers["content-disposition"] ?? "";
    const attrs = dispositionParams(disposition);
    if (attrs.name !== undefined) {
      parts.push({
        name: attrs.name,
        filename: attrs.filename,
        contentType: headers["content-type"],
        data: body.subarray(headerEnd + 4, next),
      });
    }
    pos = next + 2;
  }
  return parts;
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function dispositionParams(value: string): { name?: string; filename?: string } {
  const out: { name?: string; filename?: string } = {};
  for (const piece of value.split(";").slice(1)) {
    const eq = piece.indexOf("=");
    if (eq < 0) continue;
    const key = piece.slice(0, eq).trim().toLowerCase();
    let v = piece.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    if (key === "name") out.name = v;
    if (key === "filename") out.filename = v;
  }
  return out;
}

export function writeJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** POSTs a JSON body like Telegram's webhook sender; returns status and body text. */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  timeoutMs = 10_000,
): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`webhook ${url} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const req = http.request(
      url,
      {
        method: "POST",
        agent: false,
        headers: {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(payload)),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
        });
        res.on("error", reject);
      },
    );
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(payload);
  });
}
