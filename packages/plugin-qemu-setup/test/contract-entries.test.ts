import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

const packagesDir = join(dirname(new URL(import.meta.url).pathname), "..", "..");
const PRODUCERS = ["plugin-qemu-setup", "plugin-env-check", "plugin-linux-setup", "plugin-libvirt-xml", "plugin-kubevirt", "plugin-vfio-configurator"];

/** The static value imports of a module (type-only imports load nothing). */
function valueImports(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/^(?:import|export) (?!type )[^;]*? from "([^"]+)";$/gms)].map((match) => match[1]!);
}

/** Every module a contract loads, following relative imports. */
function loadedBy(file: string, seen = new Set<string>()): Set<string> {
  for (const specifier of valueImports(file)) {
    if (!specifier.startsWith(".")) {
      seen.add(specifier);
      continue;
    }
    const next = join(dirname(file), specifier.replace(/\.js$/, ".ts"));
    if (!seen.has(next)) {
      seen.add(next);
      loadedBy(next, seen);
    }
  }
  return seen;
}

describe("./contract entries of the session key producers", () => {
  it.each(PRODUCERS)("%s exports ./contract (source, types, default) and its publishConfig twin", (name) => {
    const pkg = JSON.parse(readFileSync(join(packagesDir, name, "package.json"), "utf8"));
    expect(pkg.exports["./contract"]).toEqual({ source: "./src/contract.ts", types: "./dist/contract.d.ts", default: "./dist/contract.js" });
    expect(pkg.publishConfig.exports["./contract"]).toEqual({ types: "./dist/contract.d.ts", default: "./dist/contract.js" });
  });

  it.each(PRODUCERS)("%s/contract loads the kernel and its bundled zod, nothing else from a package", (name) => {
    const packages = [...loadedBy(join(packagesDir, name, "src", "contract.ts"))].filter((entry) => !entry.startsWith("/"));
    expect(packages.filter((entry) => entry !== "@vmforge/kernel/zod" && entry !== "@vmforge/kernel")).toEqual([]);
  });

  it("qemu-setup also exports ./guest, whose entry loads only node built-ins", () => {
    const pkg = JSON.parse(readFileSync(join(packagesDir, "plugin-qemu-setup", "package.json"), "utf8"));
    expect(pkg.exports["./guest"]).toEqual({ source: "./src/guest.ts", types: "./dist/guest.d.ts", default: "./dist/guest.js" });
    expect(pkg.publishConfig.exports["./guest"]).toEqual({ types: "./dist/guest.d.ts", default: "./dist/guest.js" });
    const loaded = [...loadedBy(join(packagesDir, "plugin-qemu-setup", "src", "guest.ts"))].filter((entry) => !entry.startsWith("/"));
    expect(loaded.every((entry) => entry.startsWith("node:"))).toBe(true);
  });
});
