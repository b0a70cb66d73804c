import { ExitCode, VmforgeError, didYouMean, type Plugin } from "@vmforge/kernel";

/**
 * `--name` options of `plan` and `apply` the CLI itself does not know: each may be a flag an
 * installed plugin declares (`--wait`). They are set aside before the strict parse and checked
 * once the plugins are found.
 */
export function setAsidePluginFlags(argv: readonly string[], known: ReadonlySet<string>): { argv: string[]; flags: string[] } {
  const rest: string[] = [];
  const flags: string[] = [];
  for (const [index, word] of argv.entries()) {
    // Everything after `--` is positional.
    if (word === "--") {
      rest.push(...argv.slice(index));
      break;
    }
    const name = /^--([a-z][a-z0-9-]*)$/.exec(word)?.[1];
    if (name && !known.has(name)) flags.push(name);
    else rest.push(word);
  }
  return { argv: rest, flags };
}

/** The flags as `input.flags` (`--a-b` is `aB: true`); E_USAGE for one no installed plugin declares. */
export function pluginFlagValues(flags: readonly string[], plugins: readonly Plugin[], usage: string): Record<string, boolean> {
  const declared = new Map(plugins.flatMap((plugin) => (plugin.flags ?? []).map((flag) => [flag.name, plugin.name] as const)));
  const unknown = flags.filter((flag) => !declared.has(flag));
  if (unknown.length > 0) {
    const suggestion = didYouMean(unknown[0]!, [...declared.keys()]);
    throw new VmforgeError("E_USAGE", `Unknown option '--${unknown[0]}'${suggestion ? `; did you mean --${suggestion}?` : ""}`, {
      exitCode: ExitCode.usage,
      fix: `Usage: ${usage}${declared.size > 0 ? ` (installed plugins add: ${[...declared.keys()].map((name) => `--${name}`).join(", ")})` : ""}`,
    });
  }
  return Object.fromEntries(flags.map((flag) => [flag.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase()), true]));
}
