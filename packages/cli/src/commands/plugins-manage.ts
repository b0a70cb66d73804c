import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ExitCode, StorageManager, VmforgeError, didYouMean, kernelVersion, type Plugin } from "@vmforge/kernel";
import { loadPlugins, type FoundPlugin } from "../discovery.js";
import { npmCommandLine, runNpm } from "../npm.js";
import { KERNEL_PACKAGE, parsePackageArgument, type PackageArgument } from "../package-argument.js";
import { parseCommand } from "../options.js";
import { resolvePluginEntry } from "../plugin-entry.js";
import { visible, visibleLine } from "../render/visible.js";
import type { Io } from "../runtime.js";
import { printJson } from "./command.js";
import { addUsage, removeUsage } from "./plugins-manage-usage.js";


const NPM_QUIET = ["--no-audit", "--no-fund", "--loglevel=error"];

interface UserFolderManifest {
  dependencies?: Record<string, string>;
}

/**
 * `vmforge plugins add`: installs plugins with npm into the folder vmforge owns for this user
 * (`$VMFORGE_CONFIG_HOME`), which every command reads after the project's package.json; then
 * imports each one's `./plugin` and uninstalls any that is not a loadable plugin.
 */
export async function addPlugins(argv: string[], io: Io): Promise<number> {
  const { values, positionals, global } = parseCommand(argv, { kernel: { type: "string" }, "dry-run": { type: "boolean", default: false } }, addUsage);
  if (positionals.length === 0) throw new VmforgeError("E_USAGE", "Name at least one plugin to add.", { exitCode: ExitCode.usage, fix: `Usage: ${addUsage}` });
  const folder = new StorageManager(io.env).userConfigPath();
  const requested = positionals.map((word) => parsePackageArgument(word, io.cwd, io.env.HOME));
  const kernelGiven = typeof values.kernel === "string" ? parsePackageArgument(values.kernel, io.cwd, io.env.HOME) : requested.find((entry) => entry.name === KERNEL_PACKAGE);
  if (kernelGiven && kernelGiven.name !== KERNEL_PACKAGE) {
    throw new VmforgeError("E_USAGE", `--kernel names ${kernelGiven.name}, not ${KERNEL_PACKAGE}.`, { exitCode: ExitCode.usage, fix: `Give ${KERNEL_PACKAGE}'s version or tarball: --kernel ${KERNEL_PACKAGE}@${kernelVersion()}` });
  }
  const plugins = requested.filter((entry) => entry.name !== KERNEL_PACKAGE);
  if (plugins.length === 0) throw new VmforgeError("E_USAGE", `${KERNEL_PACKAGE} is not a plugin; name a plugin to add.`, { exitCode: ExitCode.usage, fix: `Usage: ${addUsage}` });
  const manifestPath = join(folder, "package.json");
  const hasManifest = existsSync(manifestPath);
  const listed = hasManifest ? dependenciesOf(manifestPath) : {};
  // The plugins' peer must resolve from this folder: the kernel this CLI runs, unless one is given or there.
  const kernel = kernelGiven ?? (Object.hasOwn(listed, KERNEL_PACKAGE) ? undefined : { spec: `${KERNEL_PACKAGE}@${kernelVersion()}`, name: KERNEL_PACKAGE, fromPath: false });
  const specs = [...plugins, ...(kernel ? [kernel] : [])].map((entry) => entry.spec);
  // --install-links: a folder is installed as a copy with its own dependencies, like its tarball, not linked.
  const args = ["install", "--prefix", folder, "--save", "--install-links", ...NPM_QUIET, ...specs];
  if (values["dry-run"]) return reportDryRun(io, global.json, folder, hasManifest ? [] : [`create ${manifestPath}`], args);

  // A failed first add leaves no trace: what this run created is removed again.
  let created: string | undefined;
  if (!hasManifest) {
    created = mkdirSync(folder, { recursive: true }) ?? manifestPath;
    writeFileSync(manifestPath, `${JSON.stringify({ name: "vmforge-user-plugins", private: true, description: "Plugins `vmforge plugins add` installed for this user; vmforge reads them from any folder.", dependencies: {} }, null, 2)}\n`);
  }
  try {
    await runNpm(args, io.env);
  } catch (error) {
    if (created) rmSync(created, { recursive: true, force: true });
    throw error;
  }
  const added = await verifyAdded(plugins, folder, manifestPath, io.env);
  if (global.json) printJson(io, { folder, command: npmCommandLine(args), added: added.map(({ found, plugin }) => ({ package: found.packageName, version: found.version, path: found.path, stages: plugin.stages.map((stage) => stage.id) })) });
  else {
    for (const { found, plugin } of added) io.stdout.write(`Added ${visibleLine(found.packageName)} ${visibleLine(found.version)} (${plugin.stages.length} stage${plugin.stages.length === 1 ? "" : "s"}) to ${visibleLine(folder)}.\n`);
    io.stdout.write("vmforge finds them from any folder now, after a project's own plugins (`vmforge plugins`).\n");
  }
  return ExitCode.ok;
}

/** `vmforge plugins remove`: npm uninstall from the user's plugin folder, of what is there. */
export async function removePlugins(argv: string[], io: Io): Promise<number> {
  const { values, positionals, global } = parseCommand(argv, { "dry-run": { type: "boolean", default: false } }, removeUsage);
  if (positionals.length === 0) throw new VmforgeError("E_USAGE", "Name at least one plugin to remove.", { exitCode: ExitCode.usage, fix: `Usage: ${removeUsage}` });
  const folder = new StorageManager(io.env).userConfigPath();
  const manifestPath = join(folder, "package.json");
  const listed = Object.keys(existsSync(manifestPath) ? dependenciesOf(manifestPath) : {});
  const missing = positionals.filter((name) => !listed.includes(name));
  if (missing.length > 0) {
    const guess = missing.length === 1 ? didYouMean(missing[0]!, listed) : undefined;
    throw new VmforgeError("E_PLUGIN_NOT_ADDED", `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not in ${folder}.`, {
      exitCode: ExitCode.usage,
      why: `\`vmforge plugins remove\` removes what \`vmforge plugins add\` installed there${listed.length ? ` (${listed.join(", ")})` : " (nothing yet)"}; a project's own plugins are removed with its package manager.`,
      fix: guess ? `Did you mean ${guess}?` : "See what is there with `vmforge plugins`.",
    });
  }
  const args = ["uninstall", "--prefix", folder, ...NPM_QUIET, ...positionals];
  if (values["dry-run"]) return reportDryRun(io, global.json, folder, [], args);
  await runNpm(args, io.env);
  if (global.json) printJson(io, { folder, command: npmCommandLine(args), removed: positionals });
  else for (const name of positionals) io.stdout.write(`Removed ${visibleLine(name)} from ${visibleLine(folder)}.\n`);
  return ExitCode.ok;
}

function reportDryRun(io: Io, json: boolean, folder: string, steps: string[], args: string[]): number {
  const command = npmCommandLine(args);
  if (json) printJson(io, { dryRun: true, folder, steps: [...steps, command] });
  else io.stdout.write(`Dry run, nothing changed. Would run in ${visibleLine(folder)}:\n${[...steps, command].map((step) => `  ${visible(step)}`).join("\n")}\n`);
  return ExitCode.ok;
}

/** Imports each added package's `./plugin`; uninstalls the ones that are no loadable plugin and fails naming them. */
async function verifyAdded(plugins: PackageArgument[], folder: string, manifestPath: string, env: NodeJS.ProcessEnv): Promise<Array<{ found: FoundPlugin; plugin: Plugin }>> {
  const added: Array<{ found: FoundPlugin; plugin: Plugin }> = [];
  const rejected: Array<{ name: string; reason: string }> = [];
  for (const { name } of plugins) {
    try {
      const entryUrl = await resolvePluginEntry(name, manifestPath);
      const path = realpathSync(join(folder, "node_modules", name));
      const found: FoundPlugin = { packageName: name, version: (JSON.parse(readFileSync(join(path, "package.json"), "utf8")) as { version?: string }).version ?? "0.0.0", path, entryUrl, source: { manifestPath, origin: "user" } };
      if (!existsSync(fileURLToPath(entryUrl))) throw new Error(`its ./plugin export points at ${fileURLToPath(entryUrl)}, which is not in the package`);
      const [plugin] = await loadPlugins([found]);
      added.push({ found, plugin: plugin! });
    } catch (error) {
      rejected.push({ name, reason: (error as Error).message || String(error) });
    }
  }
  if (rejected.length === 0) return added;
  await runNpm(["uninstall", "--prefix", folder, ...NPM_QUIET, ...rejected.map((entry) => entry.name)], env);
  throw new VmforgeError("E_PLUGIN_REJECTED", `${rejected.map((entry) => entry.name).join(", ")} ${rejected.length === 1 ? "is" : "are"} not a vmforge plugin that loads; uninstalled again.`, {
    exitCode: ExitCode.usage,
    problems: rejected.map((entry) => ({ code: "E_PLUGIN_REJECTED", message: `${entry.name}: ${entry.reason}` })),
    why: "A vmforge plugin's package exports `./plugin`, a module with `export const plugin = definePlugin({...})`.",
    fix: "Check the name (and the version: it may be built for another kernel); plugins that did load were kept.",
  });
}

function dependenciesOf(manifestPath: string): Record<string, string> {
  try {
    return (JSON.parse(readFileSync(manifestPath, "utf8")) as UserFolderManifest).dependencies ?? {};
  } catch (error) {
    throw new VmforgeError("E_PACKAGE_JSON", `Could not read ${manifestPath}: ${(error as Error).message}`, { exitCode: ExitCode.usage, fix: "Fix the JSON syntax of that package.json, or remove it." });
  }
}
