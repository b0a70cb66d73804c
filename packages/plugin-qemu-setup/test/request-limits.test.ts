import { describe, expect, it } from "vitest";
import { isVmforgeError, type Problem, type VmforgeError } from "@vmforge/kernel";
import { loadVmRequest } from "../src/load-request.js";
import { exampleHost, vmforge } from "./support/cli.js";
import { pipelineError } from "./support/run-pipeline.js";
import { tomlFile } from "./support/temp.js";

const pick = (problems: Problem[]) => problems.map(({ code, keyPath, line }) => ({ code, keyPath, line }));

async function rejection(text: string): Promise<VmforgeError> {
  try {
    await loadVmRequest({ path: "/vms/bad.toml", text, plugins: [] });
  } catch (error) {
    if (isVmforgeError(error)) return error;
    throw error;
  }
  throw new Error("accepted");
}

describe("several limits broken at once: every one reported, each once", () => {
  it("cores = 4096 breaks q35's limit once (not again as sockets × cores × threads)", async () => {
    expect(pick((await rejection('[vm]\nname = "a"\n[cpu]\ncores = 4096\n')).problems)).toEqual([{ code: "E_CONFIG_INVALID", keyPath: "cpu.cores", line: 4 }]);
    expect(pick((await rejection('[vm]\nname = "a"\n[cpu]\nsockets = 300\nthreads = 300\n')).problems)).toEqual([
      { code: "E_CONFIG_INVALID", keyPath: "cpu.sockets", line: 4 },
      { code: "E_CONFIG_INVALID", keyPath: "cpu.threads", line: 5 },
    ]);
    // Counts in range whose product is not: the product rule, once.
    expect(pick((await rejection('[vm]\nname = "a"\n[cpu]\nsockets = 2\ncores = 200\n')).problems)).toEqual([{ code: "E_CONFIG_INVALID", keyPath: "cpu.cores", line: 5 }]);
  });

  it("4096 vCPUs and 64 TiB: the vCPU limit once, and the host's memory limit in the same report", async () => {
    const config = await tomlFile('[vm]\nname = "huge"\n[cpu]\ncores = 4096\n[memory]\nsize = "64TiB"\n');
    const error = await pipelineError(config, { hostRoot: exampleHost });
    expect(error).toMatchObject({ code: "E_CONFIG_INVALID", exitCode: 2 });
    expect(pick(error.problems)).toEqual([
      { code: "E_CONFIG_INVALID", keyPath: "cpu.cores", line: 4 },
      { code: "E_MEMORY_EXCEEDS_HOST", keyPath: "memory.size", line: 6 },
    ]);
    expect(error.problems[1]).toMatchObject({ received: "64TiB", fix: "Lower [memory] size." });
  });

  it("a host limit is not reported a second time for a table whose schema already failed", async () => {
    const config = await tomlFile('[vm]\nname = "huge"\n[cpu]\ncores = 4096\n[memory]\nsize = "64TiB"\nhugepages = "yes"\n');
    const error = await pipelineError(config, { hostRoot: exampleHost });
    expect(pick(error.problems)).toEqual([
      { code: "E_CONFIG_INVALID", keyPath: "cpu.cores", line: 4 },
      { code: "E_CONFIG_INVALID", keyPath: "memory.hugepages", line: 7 },
    ]);
  });

  it("through the real CLI: each broken limit appears once", async () => {
    const config = await tomlFile('[vm]\nname = "huge"\n[cpu]\ncores = 4096\n[memory]\nsize = "64TiB"\n');
    const result = await vmforge(["plan", config]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.match(/ {2}cpu\.cores: /g)).toHaveLength(1);
    expect(result.stderr.match(/ {2}memory\.size: /g)).toHaveLength(1);
    expect(result.stderr).toContain("[E_MEMORY_EXCEEDS_HOST]");
  });
});

describe("control characters in strings are refused where they are not documented", () => {
  it.each([
    ["a CR in the description", '[vm]\nname = "a"\ndescription = "one\\rtwo"\n', "vm.description", 3, "U+000D (a carriage return (CR))"],
    ["an escape in the description", '[vm]\nname = "a"\ndescription = "red \\u001b[31m"\n', "vm.description", 3, "U+001B"],
    ["a CR in a disk path", '[vm]\nname = "a"\n[[disk]]\npath = "disk\\r.img"\n', "disk[0].path", 4, "U+000D"],
    ["a C1 control in a base image path", '[vm]\nname = "a"\n[[disk]]\nbacking = "base\\u0085.img"\n', "disk[0].backing", 4, "U+0085"],
    ["a NUL in [firmware] vars", '[vm]\nname = "a"\n[firmware]\nvars = "v\\u0000.fd"\n', "firmware.vars", 4, "U+0000 (NUL)"],
  ])("%s: located, with the character named", async (_label, text, keyPath, line, named) => {
    const error = await rejection(text);
    expect(pick(error.problems)).toEqual([{ code: "E_CONFIG_INVALID", keyPath, line }]);
    expect(error.problems[0]!.message).toContain(named);
  });

  it("the description may hold newlines and tabs, as documented", async () => {
    const request = await loadVmRequest({ path: "/vms/a.toml", text: '[vm]\nname = "a"\ndescription = """\nline one\n\tline two\n"""\n', plugins: [] });
    expect(request.vm.description).toBe("line one\n\tline two\n");
  });
});
