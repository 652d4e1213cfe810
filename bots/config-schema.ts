import { z } from "zod";

/** Building blocks of the settings' schemas (bots/config.ts and its parts). */
export const url = (protocols: RegExp, what: string) =>
  z
    .string()
    .regex(protocols, `must be a ${what} URL`)
    .transform((s) => s.replace(/\/+$/, ""));
export const httpUrl = url(/^https?:\/\/[^\s]+$/i, "http(s)");
export const optionalSecret = z.string().min(1).optional();
export const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
