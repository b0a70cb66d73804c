import { mkdtempSync, mkdirSync, writeFileSync, existsSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";

export const cliBin = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "bin.js");
export const kernelDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "kernel");

export interface FakeStage {
  id: string;
  reads?: string[];
  writes?: string[];
  /** Body of `run(ctx)`; `ctx`, `marker(name)` and `key(name)` are in scope. */
  body?: string;
  /** An expression of `ctx`: the stage's `when`. */
  when?: string;
}

export interface FakePluginOptions {
  /** Top-level TOML tables the plugin owns (`config.tables`); any content is accepted. */
  tables?: string[];
}

/**
 * A throw-away plugin package in a folder outside packages/. Loading its manifest writes
 * `<markers>/<name>.manifest`; loading a stage writes `<markers>/<stage>.stage`, so a test can
 * tell what was imported.
 */
export function writeFakePlugin(root: string, name: string, markers: string, stages: FakeStage[], options: FakePluginOptions = {}): string {
  const dir = join(root, "sources", name.replace("/", "__"));
  mkdirSync(join(dir, "stages"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.2.3", type: "module", exports: { "./plugin": "./plugin.js", "./package.json": "./package.json" } }, null, 2));
  const marker = `(n) => writeFileSync(${JSON.stringify(markers)} + "/" + n, "")`;
  writeFileSync(
    join(dir, "plugin.js"),
    `import { writeFileSync } from "node:fs";
writeFileSync(${JSON.stringify(join(markers, `${name.replace("/", "__")}.manifest`))}, "");
export const plugin = {
  name: ${JSON.stringify(name)}, version: "1.2.3", description: "fake ${name}",
  stages: [${stages
    .map(({ id, reads, writes, when }) => `{ ...${JSON.stringify({ id, description: `fake ${id}`, reads: reads ?? [], writes: writes ?? [] })}${when ? `, when: (ctx) => (${when})` : ""} }`)
    .join(", ")}]
    .map((stage) => ({ ...stage, load: () => import(new URL("./stages/" + stage.id.replace(":", "__") + ".js", import.meta.url).href) })),
  ${options.tables ? `config: { tables: ${JSON.stringify(options.tables)}, schema: async () => ({ safeParse: (value) => ({ success: true, data: value }) }) },` : ""}
};
`,
  );
  for (const stage of stages) {
    writeFileSync(
      join(dir, "stages", `${stage.id.replace(":", "__")}.js`),
      `import { writeFileSync } from "node:fs";
writeFileSync(${JSON.stringify(join(markers, `${stage.id.replace(":", "__")}.stage`))}, "");
const key = (name) => ({ name, collection: false, schema: { safeParse: (v) => ({ success: true, data: v }) } });
const marker = ${marker};
export async function run(ctx) {
${stage.body ?? ""}
}
`,
    );
  }
  return dir;
}

/** A project folder whose package.json lists `dependencies`, installed for real with npm. */
export function makeProject(root: string, dependencies: Record<string, string>): string {
  const dir = join(root, "project");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "my-vms", private: true, type: "module", dependencies }, null, 2));
  if (Object.keys(dependencies).length) execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "pipe" });
  return dir;
}

export function tempRoot(prefix: string): { root: string; markers: string } {
  const root = mkdtempSync(join(tmpdir(), `vmforge-${prefix}-`));
  const markers = join(root, "markers");
  mkdirSync(markers);
  return { root, markers };
}

export function markerExists(markers: string, name: string): boolean {
  return existsSync(join(markers, name));
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

const packagesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * A project that has some of the first-party plugins, as built in this checkout: its
 * node_modules links to the package folders (their own dependencies resolve from there).
 */
export function linkedProject(root: string, packages: Record<string, string>, manifest: Record<string, unknown> = {}): string {
  const dir = join(root, "project");
  mkdirSync(join(dir, "node_modules", "@vmforge"), { recursive: true });
  for (const [name, folder] of Object.entries(packages)) symlinkSync(join(packagesDir, folder), join(dir, "node_modules", name), "dir");
  const devDependencies = Object.fromEntries(Object.keys(packages).map((name) => [name, "*"]));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "my-vms", private: true, type: "module", devDependencies, ...manifest }, null, 2));
  return dir;
}

/**
 * A project with one plugin, `vmforge-plugin-maker`, that owns [vm] and writes one artifact
 * (`thing.txt`) for the run "demo"; its `vm.toml` asks for it. Returns the project folder.
 */
export function makerProject(root: string, markers: string): string {
  const maker = writeFakePlugin(root, "vmforge-plugin-maker", markers, [{ id: "maker:make_thing", body: `ctx.setRunName("demo"); marker("ran"); await ctx.writeArtifact("thing.txt", "three");` }], { tables: ["vm"] });
  const project = makeProject(root, { "vmforge-plugin-maker": `file:${maker}` });
  writeFileSync(join(project, "vm.toml"), '[vm]\nname = "demo"\n');
  return project;
}
