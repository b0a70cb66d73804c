import fc from "fast-check";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { itWhen, tool } from "@vmforge/test-support";
import { toCloudYaml } from "../src/cloud-yaml.js";
import { linuxTableSchema } from "../src/config-schema.js";
import { renderUserData } from "../src/render-cloud-init.js";
import { unsafeCharacterIn } from "../src/yaml-safe-text.js";
import type { LinuxConfig } from "../src/contract.js";
import { HOSTILE_STRINGS } from "./support/hostile.js";
import { cloudInitSchema, pyYamlLoad } from "./support/tools.js";

const realTools = tool("cloud-init", "cloud-init");

/** Any text: every code point (lone surrogates included), YAML's favourite tokens, and mixes. */
const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 24 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.array(fc.constantFrom(...HOSTILE_STRINGS, " ", "\n", ": ", "#", "'", '"'), { maxLength: 5 }).map((parts) => parts.join("")),
);
const carriedText = anyText.filter((text) => unsafeCharacterIn(text) === undefined);

describe("any string the schema lets through", () => {
  it("reads back identical from our YAML (yaml 1.1), as a key and as a value", () => {
    fc.assert(
      fc.property(fc.array(carriedText, { minLength: 1, maxLength: 6 }), (texts) => {
        const data = { values: texts, map: Object.fromEntries(texts.map((text, index) => [text, index])) };
        expect(parse(toCloudYaml(data), { version: "1.1" })).toEqual(data);
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  itWhen(realTools)("reads back identical through cloud-init's PyYAML (one batch of many strings)", async () => {
    const texts = [...new Set(fc.sample(carriedText, { numRuns: 600, seed: 11 }))];
    const documents = texts.map((text) => toCloudYaml({ [text]: [text, { nested: text }] }));
    const read = await pyYamlLoad(documents);
    read.forEach((result, index) => {
      const text = texts[index]!;
      expect(result.ok, `${JSON.stringify(text)}: ${(result as { error?: string }).error}`).toBe(true);
      expect((result as { value: unknown }).value, JSON.stringify(text)).toEqual({ [text]: [text, { nested: text }] });
    });
  });

  itWhen(realTools)("in a [linux] table: cloud-init schema accepts the user-data and every string arrives byte-identical", async () => {
    await fc.assert(
      fc.asyncProperty(carriedText, carriedText, fc.array(carriedText, { minLength: 1, maxLength: 3 }), async (gecos, command, argv) => {
        const table = linuxTableSchema.safeParse({ runcmd: [command, argv], users: [{ name: "dev", gecos }] });
        fc.pre(table.success);
        const config: LinuxConfig = {
          hostname: "web-1",
          fqdn: null,
          timezone: null,
          packages: [],
          runcmd: table.data!.runcmd,
          users: [{ name: "dev", sudo: false, shell: null, groups: [], gecos: table.data!.users[0]!.gecos ?? null, sshAuthorizedKeys: [], passwordHash: null }],
          userData: null,
        };
        const userData = renderUserData(config);
        const schema = await cloudInitSchema(userData);
        expect(schema.ok, schema.output).toBe(true);
        const [read] = await pyYamlLoad([userData]);
        const value = (read as { value: any }).value;
        expect(value.runcmd).toEqual([command, argv]);
        expect(value.users[0].gecos).toBe(gecos);
      }),
      { numRuns: 6, seed: 3 },
    );
  }, 60_000);
});
