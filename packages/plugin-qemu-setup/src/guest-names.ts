import type { PluginManifest } from "@vmforge/kernel";
import { KNOWN_TABLE_OWNERS } from "./known-tables.js";

/** A `vm.guest` value and the package that prepares it. */
export interface GuestName {
  guest: string;
  plugin: string;
}

/**
 * The guests the installed plugins prepare: their manifests' `guests`, and (for plugins written
 * before that field) a table named after the guest, as [linux] is for guest = "linux".
 */
export function installedGuests(plugins: readonly PluginManifest[]): GuestName[] {
  const found = new Map<string, string>();
  for (const plugin of plugins) for (const guest of plugin.guests ?? []) if (!found.has(guest)) found.set(guest, plugin.name);
  for (const plugin of plugins) {
    for (const table of plugin.config?.tables ?? []) if (Object.hasOwn(KNOWN_TABLE_OWNERS, table) && !found.has(table)) found.set(table, plugin.name);
  }
  return [...found].map(([guest, plugin]) => ({ guest, plugin })).sort((a, b) => a.guest.localeCompare(b.guest));
}

/** Whether a plugin prepares `guest`: it lists it in `guests`, or owns the table of that name. */
export function preparesGuest(plugins: readonly PluginManifest[], guest: string): boolean {
  return plugins.some((plugin) => plugin.guests?.includes(guest) || plugin.config?.tables.includes(guest));
}
