// Plugin discovery: `vmforge plugins --json` in a project that depends on 50 installed plugins
// against one with 5 (target: at most 1.5x). Each plugin is a real package folder in the
// project's node_modules with a definePlugin manifest; @vmforge/kernel is linked in.
import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { alternate, freshHomes, row, tempDir } from "../lib.mjs";

export const name = "discovery";
export const tags = ["cli"];
export const peers = [];

export function project(root, count) {
  const dir = join(tempDir(`plugins-${count}`), "project");
  const modules = join(dir, "node_modules");
  mkdirSync(join(modules, "@vmforge"), { recursive: true });
  symlinkSync(join(root, "packages", "kernel"), join(modules, "@vmforge", "kernel"), "dir");
  const dependencies = {};
  for (let index = 1; index <= count; index++) {
    const name = `vmforge-plugin-bench-${index}`;
    const folder = join(modules, name);
    mkdirSync(folder);
    dependencies[name] = "1.0.0";
    const manifest = { name, version: "1.0.0", description: `benchmark plugin ${index}`, type: "module", exports: { "./plugin": "./plugin.js", "./package.json": "./package.json" }, peerDependencies: { "@vmforge/kernel": "*" } };
    writeFileSync(join(folder, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(
      join(folder, "plugin.js"),
      `import { KERNEL_API, definePlugin } from "@vmforge/kernel";

export const plugin = definePlugin({
  name: ${JSON.stringify(name)},
  version: "1.0.0",
  description: "benchmark plugin ${index}",
  kernelApi: KERNEL_API,
  stages: [{ id: "bench_${index}:do_nothing", description: "does nothing", writes: ["bench_${index}"], load: () => import("./stage.js") }],
});
`,
    );
    writeFileSync(join(folder, "stage.js"), "export async function run() {}\n");
  }
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: `bench-${count}-plugins`, private: true, type: "module", dependencies }, null, 2)}\n`);
  return dir;
}

/** Undefined when `vmforge plugins --json` in `dir` lists exactly the `count` bench plugins; else what is wrong. */
function listsExactly(node, cli, dir, env, count) {
  const result = spawnSync(node, [cli, "plugins", "--json"], { cwd: dir, env: { ...process.env, ...env }, encoding: "utf8" });
  if (result.status !== 0) return `vmforge plugins exited ${result.status}: ${result.stderr.trim().split("\n").slice(-2).join(" / ")}`;
  const names = JSON.parse(result.stdout).plugins.map((plugin) => plugin.package);
  const expected = Array.from({ length: count }, (_, index) => `vmforge-plugin-bench-${index + 1}`);
  return names.length === count && expected.every((name) => names.includes(name)) ? undefined : `vmforge plugins listed ${names.length} plugins, not the ${count} of the project`;
}

export async function run({ root, cli, node }) {
  const env = freshHomes();
  const fifty = project(root, 50);
  const five = project(root, 5);
  const commands = [
    { label: "50", file: node, args: [cli, "plugins", "--json"], cwd: fifty, env },
    { label: "5", file: node, args: [cli, "plugins", "--json"], cwd: five, env },
  ];
  const wrong = listsExactly(node, cli, fifty, env, 50) ?? listsExactly(node, cli, five, env, 5);
  const results = wrong ? new Map(commands.map(({ label }) => [label, { failed: wrong }])) : await alternate(commands);
  return {
    rows: [
      row("`vmforge plugins --json`, project with 5 plugins (baseline)", results.get("5")),
      row("`vmforge plugins --json`, project with 50 plugins", results.get("50"), {
        against: [{ name: "5 plugins", result: results.get("5") }],
        target: { limit: 1.5, text: "≤ 1.5x 5 plugins" },
      }),
    ],
  };
}
