import type { Logger } from "../ports/logger.port.js";

/**
 * A request's child logger, made only when the request logs something: most messages log nothing
 * at the default level, and a pino child costs a few µs to make (three a message: platform and
 * chat, then user, then command). A child of a lazy logger is lazy too; made, each is the pino
 * child of its parent, so a line carries exactly the fields pino's own nesting gives it.
 */
export class LazyChildLogger implements Logger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
  ) {}

  /** The real child: of the parent's real logger (a lazy parent's child() would be lazy again). */
  private real(): Logger {
    const parent = this.parent instanceof LazyChildLogger ? this.parent.real() : this.parent;
    return (this.made ??= parent.child(this.bindings));
  }

  private get log(): Logger {
    return this.made ?? this.real();
  }

  debug(obj: unknown, msg?: string): void {
    this.log.debug(obj, msg);
  }
  info(obj: unknown, msg?: string): void {
    this.log.info(obj, msg);
  }
  warn(obj: unknown, msg?: string): void {
    this.log.warn(obj, msg);
  }
  error(obj: unknown, msg?: string): void {
    this.log.error(obj, msg);
  }
  child(bindings: Record<string, unknown>): Logger {
    return new LazyChildLogger(this, bindings);
  }
}
