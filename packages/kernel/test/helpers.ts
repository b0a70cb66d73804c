import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach } from "vitest";
import { z } from "@vmforge/kernel/zod";
import {
  StageManager,
  Kernel,
  VmforgeError,
  defineCollectionKey,
  defineSessionKey,
  definePlugin,
  type KernelOptions,
  type Plugin,
  type StageContext,
  type StageDeclaration,
  type StageSelection,
} from "../src/index.js";

export const environmentDataKey = defineSessionKey("environment_data", z.object({ cpus: z.number().int().positive() }));
export const vmDefinitionKey = defineSessionKey("vm_definition", z.object({ name: z.string(), memoryMiB: z.number().int().positive() }));
export const guestMediaKey = defineCollectionKey("guest_media", z.object({ path: z.string(), kind: z.enum(["seed", "drivers", "install"]) }));

type StageRun = (ctx: StageContext) => void | Promise<void>;
export type StageSpec = Omit<StageDeclaration, "id" | "description" | "load"> & {
  description?: string;
  run?: StageRun;
  load?: StageDeclaration["load"];
};

/** A stage declaration whose module runs `spec.run` (a no-op by default). */
export function stage(id: string, spec: StageSpec = {}): StageDeclaration {
  const { run = () => undefined, load, description = `Test stage ${id}`, ...rest } = spec;
  return { id, description, ...rest, load: load ?? (async () => ({ run })) };
}

export function plugin(name: string, stages: StageDeclaration[], extra: Partial<Omit<Plugin, "name" | "stages">> = {}): Plugin {
  return definePlugin({ name, version: "1.0.0", description: `${name}, a test plugin`, stages, ...extra });
}

/** The ordered stage ids the installed plugins give for a selection. */
export function plannedIds(plugins: Plugin[], selection: StageSelection = {}): string[] {
  return managerWith(plugins).plan(selection).stages.map((ordered) => ordered.id);
}

export function managerWith(plugins: Plugin[]): StageManager {
  const manager = new StageManager();
  plugins.forEach((installed) => manager.registerPlugin(installed));
  return manager;
}

export async function kernelWith(plugins: Plugin[], options: KernelOptions = {}): Promise<Kernel> {
  const kernel = new Kernel({ env: { HOME: "/nonexistent/vmforge-test-home" }, ...options });
  for (const installed of plugins) await kernel.use(installed);
  return kernel;
}

/** The VmforgeError an action throws (sync or async); fails the test when it throws nothing or something else. */
export async function caught(action: () => unknown): Promise<VmforgeError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof VmforgeError) return error;
    throw error;
  }
  throw new Error("expected a VmforgeError, but nothing was thrown");
}

const temporaryDirs: string[] = [];
afterEach(async () => {
  await Promise.all(temporaryDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh folder removed after the test. */
export async function temporaryDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "vmforge-kernel-"));
  temporaryDirs.push(dir);
  return dir;
}

/** Every file and folder below `dir`, relative and sorted: compare before and after to prove nothing changed. */
export async function treeOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((entry) => relative(dir, join(entry.parentPath, entry.name)) + (entry.isDirectory() ? "/" : "")).sort();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
