import { MemoryRateLimiterFactory } from "../../adapters/ratelimit/rate-limiters.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import type { AnyCommand } from "../../core/router/command.js";
import { CommandRegistry } from "../../core/router/registry.js";
import { Router } from "../../core/router/router.js";
import type { TestApp } from "./app.js";

/** A router over the test app's services and stores with just these commands (test-only commands included). */
export function routerFor(app: TestApp, commands: AnyCommand[]): Router {
  return new Router({
    registry: new CommandRegistry(commands),
    services: app.services,
    updates: app.repos.updates,
    limiters: new MemoryRateLimiterFactory(),
    log: silentLogger,
    clock: app.clock,
  });
}
