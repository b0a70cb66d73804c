import { resolve } from "node:path";
import { Kernel, StorageManager, type KernelOptions, type Plugin, type StageGraph, type StageSelection } from "@vmforge/kernel";
import { findPlugins, loadPlugins, pluginSources, type FoundPlugin } from "./discovery.js";
import { hostRootOption, openRemoteHost } from "./host-root-option.js";
import type { GlobalOptions } from "./options.js";
import { choosePalette, type Palette } from "./render/colors.js";
import { JsonLinesRenderer, SilentRenderer } from "./render/json-lines.js";
import { LiveRenderer } from "./render/live.js";
import { PlainRenderer } from "./render/plain.js";
import type { Renderer } from "./render/renderer.js";

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The package.json of a bundle that ships the CLI with plugins (the `vmforge` package). */
  bundleManifest?: string;
}

export interface Runtime {
  kernel: Kernel;
  found: FoundPlugin[];
  plugins: Plugin[];
  renderer: Renderer;
  palette: Palette;
  /** Ends what the run opened (the SSH session of --host) and closes the renderer. */
  close(): Promise<void>;
}

/** Finds the project's plugins (imports their manifests only). */
export async function discoverPlugins(projectDir: string, io: Io): Promise<{ found: FoundPlugin[]; plugins: Plugin[] }> {
  const found = await findPlugins(
    pluginSources({
      projectDir: resolve(io.cwd, projectDir),
      userConfigDir: new StorageManager(io.env).userConfigPath(),
      ...(io.bundleManifest ? { bundleManifest: io.bundleManifest } : {}),
    }),
  );
  return { found, plugins: await loadPlugins(found) };
}

/** The installed plugins' stages in order, without loading any stage. */
export function stageGraphOf(plugins: readonly Plugin[], io: Io, selection: StageSelection = {}): StageGraph {
  const kernel = new Kernel({ env: io.env });
  for (const plugin of plugins) kernel.stages.registerPlugin(plugin);
  return kernel.plan(selection);
}

export function chooseRenderer(global: GlobalOptions, io: Io, palette: Palette): Renderer {
  if (global.json) return new SilentRenderer();
  if (global.jsonLines) return new JsonLinesRenderer(io.stdout);
  if (io.stdout.isTTY && !io.env.CI) return new LiveRenderer(io.stdout, palette, { quiet: global.quiet });
  return new PlainRenderer(io.stdout, palette, { quiet: global.quiet });
}

/** A kernel with the project's plugins and the renderer wired to its UI and stage hooks. */
export async function createRuntime(global: GlobalOptions, io: Io, options: Omit<KernelOptions, "hostRoot" | "env">): Promise<Runtime> {
  const { found, plugins } = await discoverPlugins(global.project, io);
  // A plan reads the other machine and writes only here (--out); apply also changes that machine, as root.
  const changesHost = options.dryRun === false;
  const remote = await openRemoteHost(global, io, { asRoot: changesHost });
  const hostOptions = remote ? { hostRoot: remote.root, hostSource: remote.source, ...(changesHost ? { effectTarget: remote.effects } : {}) } : hostRootOption(global.hostRoot, io.cwd);
  const kernel = new Kernel({ ...options, env: io.env, ...hostOptions });
  const palette = choosePalette(io.stdout, global.noColor, io.env);
  const renderer = chooseRenderer(global, io, palette);
  kernel.ui.attach(renderer);
  kernel.stages.registerPreStageHook(({ stage }) => renderer.stageStarted(stage.id, stage.plugin));
  kernel.stages.registerPostStageHook(({ stage, status, durationMs }) => renderer.stageFinished(stage.id, status ?? "done", durationMs ?? 0));
  try {
    for (const plugin of plugins) await kernel.use(plugin);
  } catch (error) {
    // No runtime for the caller to close: the SSH session and its folder must not outlive the error.
    renderer.close();
    await remote?.close();
    throw error;
  }
  return {
    kernel,
    found,
    plugins,
    renderer,
    palette,
    async close() {
      renderer.close();
      await remote?.close();
    },
  };
}
