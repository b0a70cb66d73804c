import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { PluginManifest } from "@vmforge/kernel";
import { installedGuests } from "./guest-names.js";

/** Absolute path of the commented VM template shipped in the package (`templates/vm.toml`). */
export const vmTemplatePath: string = fileURLToPath(new URL("../templates/vm.toml", import.meta.url));

const GUEST_LINE = /^guest = "none" *#.*$/m;

/**
 * The commented VM description `vmforge init` writes: every table of this plugin with its
 * defaults. Given the installed plugins, the `guest` line lists the guests they prepare.
 */
export function vmTemplateToml(plugins?: readonly PluginManifest[]): string {
  const text = readFileSync(vmTemplatePath, "utf8");
  if (plugins === undefined) return text;
  const guests = installedGuests(plugins);
  const choices = guests.length === 0 ? 'no guest plugin is installed, so "none"' : `"none" or ${guests.map(({ guest, plugin }) => `"${guest}" (${plugin})`).join(", ")}`;
  return text.replace(GUEST_LINE, `guest = "none"              # guest plugin that prepares the OS: ${choices}`);
}
