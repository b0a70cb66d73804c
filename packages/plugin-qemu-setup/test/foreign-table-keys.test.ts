import { describe, expect, it } from "vitest";
import { z } from "@vmforge/kernel/zod";
import { definePlugin, isVmforgeError, type Problem, type SchemaLike } from "@vmforge/kernel";
import { loadVmRequest } from "../src/load-request.js";

/** A third-party plugin that owns `tables`, validated with `schema`. */
function owner(schema: SchemaLike<unknown>, tables = ["windows"]) {
  return definePlugin({ name: "vmforge-plugin-windows", version: "1.0.0", description: "test", config: { tables, schema: async () => schema }, stages: [] });
}

async function problemsOf(text: string, plugin: ReturnType<typeof owner>): Promise<Problem[]> {
  try {
    await loadVmRequest({ path: "/vms/win.toml", text, plugins: [plugin] });
  } catch (error) {
    if (isVmforgeError(error)) return error.problems;
    throw error;
  }
  return [];
}

const VM = '[vm]\nname = "win"\n\n';
const pick = (problems: Problem[]) => problems.map(({ code, keyPath, line, message, fix }) => ({ code, keyPath, line, message, fix }));

describe("keys a plugin's schema accepts but does not keep", () => {
  const plain = z.object({ edition: z.string(), locale: z.string().default("en-US"), admin: z.object({ name: z.string() }).optional(), disks: z.array(z.object({ size: z.string() })).default([]) });

  it("a typo in a plain z.object table is a located problem with a did-you-mean, not a silent drop", async () => {
    const problems = await problemsOf(`${VM}[windows]\nedition = "pro"\nlocle = "de-DE"\n`, owner(plain));
    expect(pick(problems)).toEqual([
      {
        code: "E_CONFIG_UNKNOWN_KEY",
        keyPath: "windows.locle",
        line: 6,
        message: 'unknown key "locle" in windows; did you mean "locale"? (the table\'s schema does not use it)',
        fix: 'Rename "locle" to "locale".',
      },
    ]);
    expect(problems[0]).toMatchObject({ file: "/vms/win.toml", column: 1, expected: "one of: edition, locale, admin, disks", received: '"locle"' });
  });

  it("finds dropped keys in nested tables and in arrays of tables, every one of them", async () => {
    const text = `${VM}[windows]\nedition = "pro"\nzzz = 1\n\n[windows.admin]\nname = "a"\nnmae = "b"\n\n[[windows.disks]]\nsize = "1G"\n\n[[windows.disks]]\nsize = "2G"\nsise = "3G"\n`;
    const problems = await problemsOf(text, owner(plain));
    expect(pick(problems).map(({ keyPath, line, fix }) => ({ keyPath, line, fix }))).toEqual([
      { keyPath: "windows.zzz", line: 6, fix: 'Remove "zzz"; it would be ignored.' },
      { keyPath: "windows.admin.nmae", line: 10, fix: 'Rename "nmae" to "name".' },
      { keyPath: "windows.disks[1].sise", line: 17, fix: 'Rename "sise" to "size".' },
    ]);
  });

  it("a strict schema's own unknown-key issue is reported once, as before", async () => {
    const problems = await problemsOf(`${VM}[windows]\nedition = "pro"\nlocle = "de-DE"\n`, owner(z.strictObject({ edition: z.string(), locale: z.string().optional() })));
    expect(pick(problems)).toEqual([
      { code: "E_CONFIG_UNKNOWN_KEY", keyPath: "windows.locle", line: 6, message: 'unknown key "locle" in windows; did you mean "locale"?', fix: 'Rename "locle" to "locale".' },
    ]);
  });

  it("keys a schema deliberately passes through are kept, so not reported", async () => {
    for (const schema of [z.looseObject({ edition: z.string() }), z.object({ edition: z.string() }).passthrough()]) {
      expect(await problemsOf(`${VM}[windows]\nedition = "pro"\nanything = "kept"\n\n[windows.extra]\nx = 1\n`, owner(schema))).toEqual([]);
    }
  });

  it("works with a schema of any library: only safeParse and what it returns count", async () => {
    const handMade: SchemaLike<unknown> = {
      safeParse: (value) => ({ success: true, data: { edition: (value as { edition?: unknown }).edition } }),
    } as SchemaLike<unknown>;
    const problems = await problemsOf(`${VM}[windows]\nedition = "pro"\nlocale = "de-DE"\n`, owner(handMade));
    expect(pick(problems)).toEqual([
      { code: "E_CONFIG_UNKNOWN_KEY", keyPath: "windows.locale", line: 6, message: 'unknown key "locale" in windows (the table\'s schema does not use it)', fix: 'Remove "locale"; it would be ignored.' },
    ]);
  });

  it("compares nothing below a table the schema turned into something else", async () => {
    const transformed = z.object({ edition: z.string(), locale: z.string() }).transform((table) => `${table.edition}/${table.locale}`);
    expect(await problemsOf(`${VM}[windows]\nedition = "pro"\nlocale = "de-DE"\n`, owner(transformed))).toEqual([]);
  });

  it("checks each table of a plugin that owns several", async () => {
    const schema = z.object({ windows: z.object({ edition: z.string() }).optional(), autounattend: z.object({ path: z.string().optional() }).optional() });
    const problems = await problemsOf(`${VM}[windows]\nedition = "pro"\n\n[autounattend]\npaht = "a.xml"\n`, owner(schema, ["windows", "autounattend"]));
    expect(pick(problems).map(({ keyPath, fix }) => ({ keyPath, fix }))).toEqual([{ keyPath: "autounattend.paht", fix: 'Rename "paht" to "path".' }]);
  });

  it("a dropped key that looks like a secret is reported without its value", async () => {
    const problems = await problemsOf(`${VM}[windows]\nedition = "pro"\nadmin_passwrd = "hunter2"\n`, owner(plain));
    expect(problems).toHaveLength(1);
    expect(JSON.stringify(problems)).not.toContain("hunter2");
  });

  it("a valid table plans with what the schema kept", async () => {
    const request = await loadVmRequest({ path: "/vms/win.toml", text: `${VM}[windows]\nedition = "pro"\n`, plugins: [owner(plain)] });
    expect(request.extensions).toEqual({ windows: { edition: "pro", locale: "en-US", disks: [] } });
  });
});
