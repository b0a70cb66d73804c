#!/usr/bin/env node
// Creates packages/<folder> with the house layout: node scripts/new-package.mjs <folder> "<description>" [--plugin]
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const [folder, description = "", flag] = process.argv.slice(2);
if (!folder) throw new Error("usage: new-package.mjs <folder> <description> [--plugin]");
const isPlugin = flag === "--plugin";
const dir = join("packages", folder);
if (existsSync(join(dir, "package.json"))) throw new Error(`${dir} exists`);
mkdirSync(join(dir, "src"), { recursive: true });
mkdirSync(join(dir, "test"), { recursive: true });
const name = `@vmforge/${folder}`;
const entry = (file) => ({ source: `./src/${file}.ts`, types: `./dist/${file}.d.ts`, default: `./dist/${file}.js` });
const published = (file) => ({ types: `./dist/${file}.d.ts`, default: `./dist/${file}.js` });
const exportsMap = { ".": entry("index"), ...(isPlugin ? { "./plugin": entry("plugin") } : {}), "./package.json": "./package.json" };
const publishedMap = { ".": published("index"), ...(isPlugin ? { "./plugin": published("plugin") } : {}), "./package.json": "./package.json" };
const pkg = {
  name,
  version: "0.1.0",
  description,
  license: "MIT",
  type: "module",
  engines: { node: ">=20.19" },
  exports: exportsMap,
  files: ["dist", "README.md", "CHANGELOG.md"],
  publishConfig: { access: "public", exports: publishedMap },
  scripts: {
    build: "node ../../scripts/build-package.mjs",
    typecheck: "tsc -p tsconfig.json --noEmit",
    test: `vitest run --root ../.. --project ${name}`,
  },
  ...(isPlugin ? { peerDependencies: { "@vmforge/kernel": "workspace:^" }, devDependencies: { "@vmforge/kernel": "workspace:^" } } : {}),
};
writeFileSync(join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: "../../tsconfig.base.json", compilerOptions: { noEmit: true }, include: ["src", "test"] }, null, 2) + "\n");
writeFileSync(join(dir, "tsconfig.build.json"), JSON.stringify({ extends: "../../tsconfig.base.json", compilerOptions: { outDir: "dist", rootDir: "src", noEmit: false }, include: ["src"] }, null, 2) + "\n");
writeFileSync(
  join(dir, "vitest.config.ts"),
  `import { defineProject } from "vitest/config";\n\nexport default defineProject({\n  resolve: { conditions: ["source"] },\n  ssr: { resolve: { conditions: ["source"] } },\n  test: { name: "${name}", include: ["test/**/*.test.ts"] },\n});\n`,
);
writeFileSync(join(dir, "README.md"), `# ${name}\n\n${description}\n`);
// changesets adds each release under this title; `files` ships it.
writeFileSync(join(dir, "CHANGELOG.md"), `# ${name}\n`);
if (isPlugin) {
  // kernelApi: the KERNEL_API level of @vmforge/kernel this plugin is written for; the CLI refuses a plugin its kernel lacks.
  writeFileSync(
    join(dir, "src", "plugin.ts"),
    `import { definePlugin, packageInfo } from "@vmforge/kernel";\n\n/** Manifest only: listing or planning loads no stage code. */\nexport const plugin = definePlugin({\n  ...packageInfo(import.meta.url),\n  kernelApi: 1,\n  stages: [],\n});\n`,
  );
}
console.log(`created ${dir}`);
