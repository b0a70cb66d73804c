import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const src = join(import.meta.dirname, "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []));
}

/** Only the public face may load zod: `vmforge check` must not pay ~90 ms for it. */
const MAY_LOAD_ZOD = new Set(["contract.ts", "index.ts"]);

describe("the check path stays light", () => {
  for (const file of sourceFiles(src)) {
    const name = relative(src, file);
    if (MAY_LOAD_ZOD.has(name)) continue;
    it(`${name} loads neither zod nor the zod contract at run time`, () => {
      const text = readFileSync(file, "utf8");
      expect(text).not.toMatch(/from "(zod|@vmforge\/kernel\/zod)"|import\("(zod|@vmforge\/kernel\/zod)"\)/);
      const valueImports = [...text.matchAll(/^import (?!type )[^;]*from "(\.\.?\/)+contract\.js";/gm)].map((match) => match[0]);
      expect(valueImports).toEqual([]);
    });
  }

  it("plugin.ts imports only the kernel; stages are loaded lazily", () => {
    const text = readFileSync(join(src, "plugin.ts"), "utf8");
    expect([...text.matchAll(/^import .* from "([^"]+)";/gm)].map((match) => match[1])).toEqual(["@vmforge/kernel"]);
    expect(text).not.toMatch(/systeminformation/);
  });

  it("systeminformation is imported lazily, in one place, never getStaticData", () => {
    const users = sourceFiles(src).filter((file) => readFileSync(file, "utf8").includes("systeminformation\")"));
    expect(users.map((file) => relative(src, file))).toEqual(["host/disk-models.ts"]);
    for (const file of sourceFiles(src)) {
      const text = readFileSync(file, "utf8");
      expect(text).not.toMatch(/^import .*systeminformation/m);
      expect(text).not.toMatch(/getStaticData\(/);
    }
  });
});
