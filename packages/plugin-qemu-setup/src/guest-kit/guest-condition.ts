import type { RunInput, StageContext } from "@vmforge/kernel";
import { userVmRequestKey } from "../contract.js";

export interface GuestConditionOptions {
  /** The plugin's table; a run for another guest warns once that it is ignored. */
  table?: string;
  /** What is then not done, for the warning: "no answer file is made". */
  ignored?: string;
  /** The warning's code; default W_GUEST_TABLE_IGNORED. */
  code?: string;
}

export const GUEST_TABLE_IGNORED = "W_GUEST_TABLE_IGNORED";

/** Runs that have said "[table] is ignored" already: the first stage asked says it, once. */
const warned = new WeakMap<RunInput, Set<string>>();

/** True when `vm.guest` is `guest`; otherwise false, and the plugin's table, if written, is ignored with a warning. */
export function isGuest(ctx: StageContext, guest: string, options: GuestConditionOptions = {}): boolean {
  const request = ctx.get(userVmRequestKey);
  if (request.vm.guest === guest) return true;
  const { table } = options;
  if (table !== undefined && request.extensions[table] !== undefined && firstTime(ctx.input, `${ctx.plugin}\0${table}`)) {
    const ignored = options.ignored ? `, so ${options.ignored}` : "";
    ctx.ui.warn(`[${table}] is ignored: vm.guest is "${request.vm.guest}"${ignored}.`, `Set guest = "${guest}" under [vm] to use it, or remove the [${table}] table.`, options.code ?? GUEST_TABLE_IGNORED);
  }
  return false;
}

function firstTime(run: RunInput, what: string): boolean {
  const said = warned.get(run) ?? new Set<string>();
  warned.set(run, said);
  if (said.has(what)) return false;
  said.add(what);
  return true;
}
