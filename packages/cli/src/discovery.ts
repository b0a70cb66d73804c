import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KERNEL_API, MIN_KERNEL_API, VmforgeError, ExitCode, kernelApiOf, kernelVersion, supportsKernelApi, type Plugin, type Problem } from "@vmforge/kernel";
import { findInstalledPackage, nodeModulesManifests, resolvePluginEntry } from "./plugin-entry.js";

/** `@vmforge/plugin-*`, `vmforge-plugin-*`, `@scope/vmforge-plugin-*`. */
export function isPluginPackageName(name: string): boolean {
  return /^@vmforge\/plugin-[a-z0-9][a-z0-9._-]*$/.test(name) || /^(@[a-z0-9][a-z0-9._-]*\/)?vmforge-plugin-[a-z0-9][a-z0-9._-]*$/.test(name);
}

export interface PluginSource {
  /** The package.json whose dependencies named the plugin. */
  manifestPath: string;
  /** `global`: the package.json of the `vmforge` bundle, the running one's or one a project or user folder depends on. */
  origin: "project" | "user" | "global";
}

export interface FoundPlugin {
  packageName: string;
  version: string;
  /** Real path of the plugin's package folder. */
  path: string;
  entryUrl: string;
  source: PluginSource;
}

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** The nearest package.json at or above `dir`. */
export function findProjectManifest(dir: string): string | undefined {
  let current = dir;
  for (;;) {
    const candidate = join(current, "package.json");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

export interface SourceLocations {
  /** The folder the command runs for (`--project`, else the working folder). */
  projectDir: string;
  /** `$VMFORGE_CONFIG_HOME`: its package.json lists plugins installed for this user only. */
  userConfigDir?: string;
  /** The package.json of a bundle that ships the CLI with plugins (the `vmforge` package). */
  bundleManifest?: string;
}

/** The assembled package: the CLI with every first-party plugin, listed in its own package.json. */
export const BUNDLE_PACKAGE = "vmforge";

/**
 * Package manifests that can name plugins, in order: the user's project (nearest package.json
 * at or above the folder), the user's own plugin folder (`vmforge plugins add`, which installs
 * into `$VMFORGE_CONFIG_HOME`), and the bundle whose bin is running. A project or user folder
 * that depends on the bundle (`vmforge`) brings the bundle's package.json in right after its
 * own, resolved from the listing package.json like a plugin: whichever `vmforge` bin the
 * package manager linked (the bundle's or `@vmforge/cli`'s), the answer is the same. No
 * node_modules folder is listed.
 */
export function pluginSources(locations: SourceLocations): PluginSource[] {
  const sources: PluginSource[] = [];
  const add = (manifestPath: string | undefined, origin: PluginSource["origin"]): void => {
    if (!manifestPath || !existsSync(manifestPath) || sources.some((source) => samePath(source.manifestPath, manifestPath))) return;
    sources.push({ manifestPath, origin });
    if (origin !== "global") add(bundleListedIn(manifestPath), "global");
  };
  add(findProjectManifest(locations.projectDir), "project");
  add(locations.userConfigDir && join(locations.userConfigDir, "package.json"), "user");
  add(locations.bundleManifest, "global");
  return sources;
}

/** The bundle's package.json when `manifestPath` depends on it; an uninstalled bundle is an error. */
function bundleListedIn(manifestPath: string): string | undefined {
  const pkg = readJson(manifestPath);
  if (!Object.hasOwn({ ...pkg.optionalDependencies, ...pkg.devDependencies, ...pkg.dependencies }, BUNDLE_PACKAGE)) return undefined;
  for (const candidate of nodeModulesManifests(BUNDLE_PACKAGE, manifestPath)) if (existsSync(candidate)) return candidate;
  if (Object.hasOwn(pkg.optionalDependencies ?? {}, BUNDLE_PACKAGE)) return undefined;
  throw new VmforgeError("E_PLUGINS", "Plugin discovery found 1 problem.", {
    exitCode: ExitCode.usage,
    problems: [
      {
        code: "E_PLUGIN_NOT_INSTALLED",
        message: `${BUNDLE_PACKAGE} (the CLI with every first-party plugin) is listed in ${manifestPath} but cannot be resolved.`,
        fix: `Run your package manager's install in ${dirname(manifestPath)}, or remove ${BUNDLE_PACKAGE} from its dependencies.`,
      },
    ],
  });
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return a === b;
  }
}

function readJson(path: string): PackageJson {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as PackageJson;
  } catch (error) {
    throw new VmforgeError("E_PACKAGE_JSON", `Could not read ${path}: ${(error as Error).message}`, { exitCode: ExitCode.usage, fix: "Fix the JSON syntax of that package.json." });
  }
}

/** Resolves every plugin the sources name; imports nothing. */
export async function findPlugins(sources: PluginSource[]): Promise<FoundPlugin[]> {
  const found = new Map<string, FoundPlugin>();
  const problems: VmforgeError["problems"] = [];
  for (const source of sources) {
    const pkg = readJson(source.manifestPath);
    const names = Object.keys({ ...pkg.optionalDependencies, ...pkg.devDependencies, ...pkg.dependencies }).filter(isPluginPackageName).sort();
    for (const packageName of names) {
      let entryUrl: string | undefined;
      try {
        entryUrl = await resolvePluginEntry(packageName, source.manifestPath);
      } catch {
        entryUrl = undefined;
      }
      if (entryUrl === undefined || !existsSync(fileURLToPath(entryUrl))) {
        // The slow path, only for a package that is no loadable plugin: say which fault it is.
        const installed = findInstalledPackage(packageName, source.manifestPath);
        if (installed && (entryUrl === undefined || !installed.hasPluginExport)) {
          problems.push({
            code: "E_PLUGIN_NO_ENTRY",
            message: installed.hasPluginExport
              ? `${packageName} ${installed.version} is installed at ${installed.dir} but its package.json exports map "./plugin" to no file Node can import (import or default condition).`
              : `${packageName} ${installed.version} is installed at ${installed.dir} but its package.json exports no "./plugin" entry.`,
            fix: `Is it a vmforge plugin? Its authors must add exports["./plugin"] (the manifest made with definePlugin); or remove ${packageName} from ${source.manifestPath}.`,
          });
        } else if (entryUrl !== undefined) {
          problems.push({
            code: "E_PLUGIN_NOT_BUILT",
            message: `${packageName} resolves to ${fileURLToPath(entryUrl)}, which does not exist.`,
            fix: `Reinstall ${packageName}; in a checkout of its source, build it first (pnpm build).`,
          });
        } else if (source.origin !== "global") {
          // A bundle may list optional plugins it did not install.
          problems.push({
            code: "E_PLUGIN_NOT_INSTALLED",
            message: `${packageName} is listed in ${source.manifestPath} but is not installed.`,
            fix: `Run your package manager's install in ${dirname(source.manifestPath)}, or remove ${packageName} from its dependencies.`,
          });
        }
        continue;
      }
      const { dir: packageDir, version } = packageRootOf(fileURLToPath(entryUrl), packageName);
      const plugin: FoundPlugin = { packageName, version, path: packageDir, entryUrl, source };
      const previous = found.get(packageName);
      if (previous && previous.path !== plugin.path) {
        problems.push({
          code: "E_PLUGIN_DUPLICATE",
          message: `Two copies of ${packageName}: ${previous.path} (${previous.version}, from ${previous.source.manifestPath}) and ${plugin.path} (${plugin.version}, from ${source.manifestPath}).`,
          fix: `Keep one: remove ${packageName} from one of those package.json files, or install the same version in both.`,
        });
        continue;
      }
      if (!previous) found.set(packageName, plugin);
    }
  }
  if (problems.length > 0) throw new VmforgeError("E_PLUGINS", `Plugin discovery found ${problems.length} problem${problems.length === 1 ? "" : "s"}.`, { exitCode: ExitCode.usage, problems });
  return [...found.values()];
}

/** The folder and version of the package that holds `file`: the nearest package.json above it named `packageName`. */
function packageRootOf(file: string, packageName: string): { dir: string; version: string } {
  let dir = dirname(realpathSync(file));
  for (;;) {
    const candidate = join(dir, "package.json");
    const manifest = existsSync(candidate) ? readJson(candidate) : undefined;
    if (manifest?.name === packageName) return { dir, version: manifest.version ?? "0.0.0" };
    const parent = dirname(dir);
    if (parent === dir) throw new VmforgeError("E_PLUGIN_LAYOUT", `No package.json named ${packageName} above ${file}.`);
    dir = parent;
  }
}

/** Imports each plugin's manifest module (`<package>/plugin`): data and lazy loaders only. */
export async function loadPlugins(found: FoundPlugin[]): Promise<Plugin[]> {
  // All at once: Node reads one module's files while it compiles another's. Faults are still reported in order.
  const loaded = await Promise.allSettled(found.map((entry) => import(entry.entryUrl) as Promise<{ plugin?: Plugin }>));
  const plugins: Plugin[] = [];
  for (const [index, entry] of found.entries()) {
    const outcome = loaded[index]!;
    let module: { plugin?: Plugin };
    try {
      if (outcome.status === "rejected") throw outcome.reason;
      module = outcome.value;
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      // A plugin built against a newer kernel may import what this kernel does not export.
      const newerKernel = /@vmforge\/kernel/.test(message) && /does not provide an export named/.test(message);
      throw new VmforgeError("E_PLUGIN_LOAD", `Could not load ${entry.packageName} from ${entry.path}: ${message}`, {
        // The kernel the user installed is too old: theirs to fix, like E_PLUGIN_INCOMPATIBLE.
        ...(newerKernel ? { exitCode: ExitCode.usage } : {}),
        fix: newerKernel
          ? `${entry.packageName} ${entry.version} needs a newer @vmforge/kernel than the installed ${kernelVersion()}: update @vmforge/kernel (or the vmforge bundle), or install an older ${entry.packageName}.`
          : `Reinstall ${entry.packageName}; if it persists, report it to its authors.`,
        cause: error,
      });
    }
    const plugin = module.plugin;
    if (!plugin || typeof plugin !== "object" || !Array.isArray(plugin.stages)) {
      throw new VmforgeError("E_PLUGIN_SHAPE", `${entry.packageName}/plugin does not export a \`plugin\` made with definePlugin().`, {
        fix: "A vmforge plugin's ./plugin entry must `export const plugin = definePlugin({...})`.",
      });
    }
    plugins.push(plugin);
  }
  refuseIncompatible(found, plugins);
  return plugins;
}

/** Before any plugin is used: every plugin written for a kernel API this kernel lacks, in one error. */
function refuseIncompatible(found: FoundPlugin[], plugins: Plugin[]): void {
  const problems: Problem[] = [];
  plugins.forEach((plugin, index) => {
    const entry = found[index]!;
    const needed = kernelApiOf(plugin);
    if (supportsKernelApi(needed)) return;
    const kernel = `@vmforge/kernel ${kernelVersion()}`;
    const provides = MIN_KERNEL_API === KERNEL_API ? `API ${KERNEL_API}` : `APIs ${MIN_KERNEL_API} to ${KERNEL_API}`;
    const wellFormed = Number.isInteger(needed) && needed > 0;
    problems.push({
      code: "E_PLUGIN_INCOMPATIBLE",
      message: wellFormed
        ? `${entry.packageName} ${entry.version} needs kernel API ${needed}; the installed ${kernel} provides ${provides}.`
        : `${entry.packageName} ${entry.version} declares kernelApi ${JSON.stringify(needed)}, which is no API level (a positive integer); the installed ${kernel} provides ${provides}.`,
      fix:
        wellFormed && needed > KERNEL_API
          ? `Update @vmforge/kernel (or the vmforge bundle) to a version that provides API ${needed}, or install an older ${entry.packageName}.`
          : `Install a version of ${entry.packageName} made for kernel API ${KERNEL_API}, or report it to its authors.`,
    });
  });
  if (problems.length === 0) return;
  const only = problems.length === 1 ? problems[0]! : undefined;
  throw new VmforgeError("E_PLUGIN_INCOMPATIBLE", only ? only.message : `${problems.length} installed plugins need a kernel API that the installed @vmforge/kernel ${kernelVersion()} does not provide.`, {
    exitCode: ExitCode.usage,
    why: "A plugin declares the kernel API level it is written for (kernelApi in its manifest); run with another kernel, it would fail halfway through a run.",
    ...(only?.fix ? { fix: only.fix } : {}),
    ...(only ? {} : { problems }),
  });
}
