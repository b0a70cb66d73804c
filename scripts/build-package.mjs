#!/usr/bin/env node
// Builds the package in the current folder: one ESM file per entry (esbuild, with code splitting, so a
// stage or command module loaded by `import()` becomes its own chunk) plus `.d.ts` files from tsc.
// A run of vmforge then loads a handful of files instead of hundreds.
//
//   node ../../scripts/build-package.mjs [--inline <dependency>]... [--vendor-entry <src file>]...
//
// Entries are the `source` targets of package.json `exports` and `src/bin.ts` when `bin` names
// dist/bin.js. Every dependency and peer dependency stays an import (installed once, shared by all
// plugins); `--inline` bundles one into this package instead. A `--vendor-entry` is an entry that
// only re-exports an inlined dependency (the kernel's `src/zod.ts`): it is built on its own, with
// whitespace and syntax minified (names kept, the source map has the original), because a cold
// start parses all of it and it shares no module with the package's own entries.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const inline = [];
const vendorEntries = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--inline" && args[i + 1]) inline.push(args[++i]);
  else if (args[i] === "--vendor-entry" && args[i + 1]) vendorEntries.push(args[++i]);
  else throw new Error(`build-package: unknown argument ${args[i]} (usage: build-package.mjs [--inline <dependency>]... [--vendor-entry <src file>]...)`);
}

const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const entryPoints = [];
for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
  if (typeof target === "object" && target !== null && typeof target.source === "string") entryPoints.push(target.source);
  else if (subpath !== "./package.json") throw new Error(`build-package: export ${subpath} of ${pkg.name} has no "source" condition`);
}
const bins = typeof pkg.bin === "string" ? [pkg.bin] : Object.values(pkg.bin ?? {});
if (bins.includes("./dist/bin.js") && !entryPoints.includes("./src/bin.ts")) entryPoints.push("./src/bin.ts");
if (entryPoints.length === 0) throw new Error(`build-package: ${pkg.name} declares no entry`);
for (const entry of vendorEntries) if (!entryPoints.includes(entry)) throw new Error(`build-package: --vendor-entry ${entry} is no entry of ${pkg.name}`);

const installed = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
const external = installed.filter((name) => !inline.includes(name)).flatMap((name) => [name, `${name}/*`]);

// An inlined package is bundled from its ESM build (the `import`, else the `default` target of its
// root export): a `node` target may be CommonJS (yaml's), which esbuild can only wrap whole.
// Found as Node finds a bare name (node_modules upward), not through the exports map, which need not list package.json.
const packageRootOf = (name) => {
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules", name, "package.json"))) return join(dir, "node_modules", name);
    if (dirname(dir) === dir) throw new Error(`build-package: ${name} is not installed`);
  }
};
const esmEntryOf = (name) => {
  const root = packageRootOf(name);
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const exportsMap = manifest.exports;
  const rootExport = typeof exportsMap === "object" && exportsMap !== null && Object.keys(exportsMap).some((key) => key.startsWith(".")) ? exportsMap["."] : exportsMap;
  const target = rootExport ?? manifest.module ?? manifest.main;
  const pick = (entry) => (typeof entry === "string" ? entry : entry && (pick(entry.import) ?? pick(entry.default)));
  const file = pick(target);
  if (!file) throw new Error(`build-package: ${name} has no import or default export to bundle`);
  return join(root, file);
};
const inlineFromEsm = {
  name: "inline-from-esm",
  setup(build) {
    for (const name of inline) build.onResolve({ filter: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`) }, () => ({ path: esmEntryOf(name) }));
  },
};

rmSync("dist", { recursive: true, force: true });
const common = {
  outdir: "dist",
  outbase: "src",
  // Chunks sit beside the entries: code that finds `../package.json` from import.meta.url works in either.
  entryNames: "[name]",
  chunkNames: "[name]-[hash]",
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  conditions: ["source"],
  external,
  plugins: [inlineFromEsm],
  sourcemap: "linked",
  sourcesContent: true,
  legalComments: "eof",
  logLevel: "warning",
};
await build({ ...common, entryPoints: entryPoints.filter((entry) => !vendorEntries.includes(entry)), splitting: true });
if (vendorEntries.length) await build({ ...common, entryPoints: vendorEntries, splitting: false, minifyWhitespace: true, minifySyntax: true });

// Types for the package's users; a package that exports no API (the `vmforge` bin) turns them off.
const buildConfig = JSON.parse(readFileSync("tsconfig.build.json", "utf8"));
if (buildConfig.compilerOptions?.declaration !== false) {
  execFileSync(process.execPath, [createRequire(import.meta.url).resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json", "--emitDeclarationOnly"], { stdio: "inherit" });
}

// A bundled dependency's licence travels with the code that carries it.
if (inline.length) {
  const notices = inline.map((name) => {
    const root = packageRootOf(name);
    const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
    const licence = ["LICENSE", "LICENSE.md", "license"].map((file) => join(root, file)).find((file) => existsSync(file));
    if (!licence) throw new Error(`build-package: ${name} has no LICENSE file to ship with its bundled copy`);
    return `## ${name} ${version}\n\n${readFileSync(licence, "utf8").trim()}\n`;
  });
  writeFileSync(join("dist", "THIRD-PARTY-LICENSES.md"), `# Code bundled into ${pkg.name}\n\n${notices.join("\n")}`);
}
