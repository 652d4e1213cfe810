import { UserError } from "../core/errors.js";
import type { WebAccessPort } from "../core/ports/web-access.port.js";

/** The web access service, or a clear refusal when this deployment runs without the dashboard. */
export function requireWeb(services: { web?: WebAccessPort }): WebAccessPort {
  if (!services.web) throw new UserError("web_off", "The web dashboard is off on this deployment (the operator set WEB=off).");
  return services.web;
}
