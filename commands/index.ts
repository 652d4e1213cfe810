import type { AnyCommand } from "../core/router/command.js";
import { CommandRegistry } from "../core/router/registry.js";
import alert from "./alert.command.js";
import alerts from "./alerts.command.js";
import ask from "./ask.command.js";
import audit from "./audit.command.js";
import auto from "./auto.command.js";
import balance from "./balance.command.js";
import buy from "./buy.command.js";
import chart from "./chart.command.js";
import code from "./code.command.js";
import dca from "./dca.command.js";
import help from "./help.command.js";
import limit from "./limit.command.js";
import link from "./link.command.js";
import pnl from "./pnl.command.js";
import price from "./price.command.js";
import sell from "./sell.command.js";
import settings from "./settings.command.js";
import start from "./start.command.js";
import stop from "./stop.command.js";
import swap from "./swap.command.js";
import token from "./token.command.js";
import tp from "./tp.command.js";
import trades from "./trades.command.js";
import trail from "./trail.command.js";
import twofa from "./twofa.command.js";
import treasury from "./treasury.command.js";
import unalert from "./unalert.command.js";
import usage from "./usage.command.js";
import wallet from "./wallet.command.js";
import whoami from "./whoami.command.js";
import withdraw from "./withdraw.command.js";

/** Every command, in the order /help lists them within a group. Later capabilities add theirs here. */
export const commands: AnyCommand[] = [start, help, whoami, link, wallet, twofa, code, withdraw, settings, price, token, chart, balance, pnl, buy, sell, swap, trades, limit, stop, tp, trail, dca, auto, alert, alerts, unalert, ask, treasury, audit, usage];

export const createRegistry = (extra: AnyCommand[] = []) => new CommandRegistry([...commands, ...extra]);
