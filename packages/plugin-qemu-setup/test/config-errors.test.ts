import { describe, expect, it } from "vitest";
import { isVmforgeError, type Problem, type VmforgeError } from "@vmforge/kernel";
import { loadVmRequest } from "../src/load-request.js";
import { fakeLinuxPlugin } from "./support/environment.js";
import { runPipeline } from "./support/run-pipeline.js";
import { tomlFile } from "./support/temp.js";

async function rejection(text: string, plugins: Parameters<typeof loadVmRequest>[0]["plugins"] = []): Promise<VmforgeError> {
  try {
    await loadVmRequest({ path: "/vms/bad.toml", text, plugins });
  } catch (error) {
    if (isVmforgeError(error)) return error;
    throw error;
  }
  throw new Error("accepted");
}

const pick = (problems: Problem[]) => problems.map(({ code, keyPath, line, column }) => ({ code, keyPath, line, column }));

describe("TOML syntax errors", () => {
  it("give file:line:column and the source line, exit code 2", async () => {
    const error = await rejection('[vm]\nname = "a"\n\n[cpu]\ncores = = 2\n');
    expect(error.code).toBe("E_CONFIG_SYNTAX");
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/^\/vms\/bad\.toml:5:9: TOML syntax error/);
    expect(error.message).toContain("cores = = 2");
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_CONFIG_SYNTAX", file: "/vms/bad.toml", line: 5, column: 9, sourceLine: "cores = = 2" })]);
  });

  it.each([
    ["an unclosed string", '[vm]\nname = "web-1\n', 2],
    ["a table defined twice", '[vm]\nname = "a"\n[vm]\nguest = "none"\n', 3],
    ["an integer beyond 64 bits", "[vm]\nname = \"a\"\n[cpu]\ncores = 99999999999999999999\n", 4],
    ["a key without a value", "[vm]\nname\n", 2],
  ])("%s", async (_label, text, line) => {
    const error = await rejection(text);
    expect(error.code).toBe("E_CONFIG_SYNTAX");
    expect(error.problems[0]?.line).toBe(line);
  });
});

describe("schema problems: all of them, each with key path, line, what was given and what is allowed", () => {
  it("reports every problem of the file in one error", async () => {
    const text = [
      "[vm]", // 1
      'name = "Web 1"', // 2
      "", // 3
      "[memroy]", // 4
      'size = "8GiB"', // 5
      "", // 6
      "[cpu]", // 7
      "cores = 2.5", // 8
      "coers = 1", // 9
      "", // 10
      "[[disk]]", // 11
      'size = "20GiB"', // 12
      "", // 13
      "[[disk]]", // 14
      'size = "8gb"', // 15
      'bus = "ide"', // 16
      "", // 17
      "[[network]]", // 18
      'mode = "bridge"', // 19
      "", // 20
      "[usb]", // 21
      'devices = [{ vendor = "046d", prodcut = "c52b" }]', // 22
    ].join("\n");
    const error = await rejection(text);
    expect(error.code).toBe("E_CONFIG_INVALID");
    expect(error.exitCode).toBe(2);
    expect(pick(error.problems)).toEqual([
      { code: "E_CONFIG_INVALID", keyPath: "vm.name", line: 2, column: 1 },
      { code: "E_CONFIG_INVALID", keyPath: "cpu.cores", line: 8, column: 1 },
      { code: "E_CONFIG_UNKNOWN_KEY", keyPath: "cpu.coers", line: 9, column: 1 },
      { code: "E_CONFIG_INVALID", keyPath: "disk[1].size", line: 15, column: 1 },
      { code: "E_CONFIG_INVALID", keyPath: "disk[1].bus", line: 16, column: 1 },
      { code: "E_CONFIG_INVALID", keyPath: "network[0].bridge", line: 18, column: 1 },
      { code: "E_CONFIG_MISSING", keyPath: "usb.devices[0].product", line: 22, column: 12 },
      { code: "E_CONFIG_UNKNOWN_KEY", keyPath: "usb.devices[0].prodcut", line: 22, column: 31 },
    ]);
    const byPath = new Map(error.problems.map((problem) => [problem.keyPath, problem]));
    expect(byPath.get("cpu.coers")).toMatchObject({ message: 'unknown key "coers" in cpu; did you mean "cores"?', expected: "one of: sockets, cores, threads, model, pinning, hyperv, hide_hypervisor" });
    expect(byPath.get("cpu.cores")).toMatchObject({ received: "2.5", expected: expect.stringContaining("an integer") });
    expect(byPath.get("vm.name")).toMatchObject({ received: '"Web 1"', sourceLine: 'name = "Web 1"', file: "/vms/bad.toml" });
    expect(byPath.get("disk[1].size")).toMatchObject({ received: '"8gb"', message: expect.stringContaining("unknown unit"), expected: expect.stringContaining("a size with a unit") });
    expect(byPath.get("network[0].bridge")).toMatchObject({ expected: 'a host bridge name, e.g. "br0"' });
    expect(byPath.get("disk[1].bus")).toMatchObject({ received: '"ide"', expected: '"virtio" | "nvme" | "sata" | "scsi"' });
    expect(byPath.get("usb.devices[0].prodcut")?.message).toContain('did you mean "product"?');
  });

  it.each([
    ["a string where a number belongs", '[vm]\nname = "a"\n[cpu]\ncores = "4"\n', "cpu.cores", 4, "E_CONFIG_INVALID"],
    ["a number where a size belongs", '[vm]\nname = "a"\n[memory]\nsize = 8\n', "memory.size", 4, "E_CONFIG_INVALID"],
    ["a negative count", '[vm]\nname = "a"\n[cpu]\nsockets = -1\n', "cpu.sockets", 4, "E_CONFIG_INVALID"],
    ["too many vCPUs for q35", '[vm]\nname = "a"\n[cpu]\nsockets = 2\ncores = 200\n', "cpu.cores", 5, "E_CONFIG_INVALID"],
    ["memory below 16 MiB", '[vm]\nname = "a"\n[memory]\nsize = "1MiB"\n', "memory.size", 4, "E_CONFIG_INVALID"],
    ["memory not whole MiB", '[vm]\nname = "a"\n[memory]\nsize = "1000KiB"\n', "memory.size", 4, "E_CONFIG_INVALID"],
    ["[disk] written as a single table", '[vm]\nname = "a"\n[disk]\nsize = "1GiB"\n', "disk", 3, "E_CONFIG_INVALID"],
    ["a disk with nothing to go on", '[vm]\nname = "a"\n[[disk]]\nbus = "nvme"\n', "disk[0]", 3, "E_CONFIG_INVALID"],
    ["secure boot on BIOS", '[vm]\nname = "a"\n[firmware]\ntype = "bios"\nsecure_boot = true\n', "firmware.secure_boot", 5, "E_CONFIG_INVALID"],
    ["an unknown firmware type", '[vm]\nname = "a"\n[firmware]\ntype = "coreboot"\n', "firmware.type", 4, "E_CONFIG_INVALID"],
    ["a multicast MAC", '[vm]\nname = "a"\n[[network]]\nmac = "01:00:5e:00:00:01"\n', "network[0].mac", 4, "E_CONFIG_INVALID"],
    ["bridge on a user NIC", '[vm]\nname = "a"\n[[network]]\nmode = "user"\nbridge = "br0"\n', "network[0].bridge", 5, "E_CONFIG_INVALID"],
    ["macvtap without its device", '[vm]\nname = "a"\n[[network]]\nmode = "macvtap"\n', "network[0].device", 3, "E_CONFIG_INVALID"],
    ["passthrough with neither address nor ids", '[vm]\nname = "a"\n[[passthrough]]\nallow_host_gpu = true\n', "passthrough[0]", 3, "E_CONFIG_INVALID"],
    ["a bad PCI address", '[vm]\nname = "a"\n[[passthrough]]\naddress = "1:0.0"\n', "passthrough[0].address", 4, "E_CONFIG_INVALID"],
    ["a VNC port below 5900", '[vm]\nname = "a"\n[display]\ntype = "vnc"\nport = 80\n', "display.port", 5, "E_CONFIG_INVALID"],
    ["a date where a name belongs", "[vm]\nname = 1979-05-27\n", "vm.name", 2, "E_CONFIG_INVALID"],
    ["a missing [vm] name", '[vm]\nguest = "none"\n', "vm.name", 1, "E_CONFIG_MISSING"],
    ["a key outside any table", 'name = "a"\n[vm]\nname = "a"\n', "name", 1, "E_CONFIG_UNKNOWN_KEY"],
    ["an unknown key in a disk", '[vm]\nname = "a"\n[[disk]]\nsize = "1GiB"\nbuss = "nvme"\n', "disk[0].buss", 5, "E_CONFIG_UNKNOWN_KEY"],
    ["a duplicate MAC", '[vm]\nname = "a"\n[[network]]\nmac = "52:54:00:00:00:01"\n[[network]]\nmac = "52:54:00:00:00:01"\n', "network[1].mac", 6, "E_CONFIG_DUPLICATE"],
    ["two disks on one file", '[vm]\nname = "a"\n[[disk]]\npath = "a.img"\n[[disk]]\npath = "./a.img"\n', "disk[1].path", 6, "E_CONFIG_DUPLICATE"],
    ["a seventh SATA disk", `[vm]\nname = "a"\n${'[[disk]]\nsize = "1GiB"\nbus = "sata"\n'.repeat(7)}`, "disk[6].bus", 23, "E_CONFIG_INVALID"],
  ])("%s", async (_label, text, keyPath, line, code) => {
    const error = await rejection(text);
    expect(error.code).toBe("E_CONFIG_INVALID");
    const problem = error.problems.find((entry) => entry.keyPath === keyPath);
    expect(problem, JSON.stringify(error.problems)).toMatchObject({ code, keyPath, line, file: "/vms/bad.toml" });
    expect(problem?.message.length).toBeGreaterThan(5);
  });

  it.each([
    ['__proto__ = 1\n[vm]\nname = "a"\n', "__proto__", 1],
    ['[vm]\nname = "a"\n__proto__ = { polluted = true }\n', "vm.__proto__", 3],
    ['[vm]\nname = "a"\n[[disk]]\nsize = "1GiB"\ntoString = 1\n', "disk[0].toString", 5],
    ['[vm]\nname = "a"\n"" = 1\n', 'vm.""', 3],
    ['[vm]\nname = "a"\n"my key" = 1\n', 'vm."my key"', 3],
  ])("hostile key %j is an unknown key, nothing more", async (text, keyPath, line) => {
    const error = await rejection(text);
    expect(pick(error.problems)).toEqual([{ code: expect.stringMatching(/^E_CONFIG_UNKNOWN_(KEY|TABLE)$/), keyPath, line, column: 1 }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a table of an installed plugin is validated by that plugin's schema, with did-you-mean from it", async () => {
    const error = await rejection('[vm]\nname = "a"\nguest = "linux"\n[linux]\nhostnme = "x"\npackages = "nginx"\n', [await fakeLinuxPlugin()]);
    expect(pick(error.problems)).toEqual([
      { code: "E_CONFIG_INVALID", keyPath: "linux.packages", line: 6, column: 1 },
      { code: "E_CONFIG_UNKNOWN_KEY", keyPath: "linux.hostnme", line: 5, column: 1 },
    ]);
    expect(error.problems[1]?.message).toContain('did you mean "hostname"?');
  });

  it("a missing file and a missing path are usage errors (exit 2)", async () => {
    await expect(runPipeline("/nonexistent/vm.toml")).rejects.toMatchObject({ code: "E_CONFIG_NOT_FOUND", exitCode: 2 });
    const path = await tomlFile('[vm]\nname = "ok"\n[cpu]\ncores = "two"\n');
    await expect(runPipeline(path)).rejects.toMatchObject({ code: "E_CONFIG_INVALID", exitCode: 2, problems: [expect.objectContaining({ keyPath: "cpu.cores", line: 4, file: path })] });
  });
});

describe("defaults a user expects", () => {
  it("a name alone gives 2 vCPUs, 2 GiB, UEFI, one user NIC, no disk, no display", async () => {
    const request = await loadVmRequest({ path: "/vms/a.toml", text: '[vm]\nname = "a"\n', plugins: [] });
    expect(request).toMatchObject({
      vm: { name: "a", guest: "none", accel: "auto", guest_agent: true, rng: true },
      cpu: { sockets: 1, cores: 2, threads: 1, model: "host-passthrough" },
      memory: { size: 2 * 1024 ** 3, hugepages: false },
      firmware: { type: "uefi", secure_boot: false, tpm: false },
      disk: [],
      network: [{ mode: "user", model: "virtio", forward: [] }],
      passthrough: [],
      display: { type: "none", listen: "127.0.0.1" },
      usb: { devices: [] },
      output: { libvirt_xml: false },
      extensions: {},
    });
  });

  it("network = [] means no NIC; sizes take every unit; ids are normalized", async () => {
    // A top-level key must come before the first table header.
    const request = await loadVmRequest({
      path: "/vms/a.toml",
      text: 'network = []\n[vm]\nname = "a"\n[memory]\nsize = "1.5G"\n[[disk]]\nsize = "512M"\n[[passthrough]]\naddress = "01:00.0"\n[usb]\ndevices = [{ vendor = "0x046D", product = "C52B" }]\n',
      plugins: [],
    });
    expect(request.network).toEqual([]);
    expect(request.memory.size).toBe(1536 * 1024 ** 2);
    expect(request.disk[0]?.size).toBe(512 * 1024 ** 2);
    expect(request.passthrough[0]?.address).toBe("0000:01:00.0");
    expect(request.usb.devices).toEqual([{ vendor: "046d", product: "c52b" }]);
  });
});

describe("secrets in a bad config", () => {
  it("are never echoed back in a problem's value or source line", async () => {
    const error = await rejection('[vm]\nname = "web-1"\nroot_password = "hunter2"\n');
    const problem = error.problems.find((candidate) => candidate.keyPath === "vm.root_password");
    expect(problem).toMatchObject({ code: "E_CONFIG_UNKNOWN_KEY", line: 3 });
    expect(JSON.stringify(error.toJSON())).not.toContain("hunter2");
    expect(problem!.sourceLine).toBe("root_password = …");
  });
});

describe("[cpu] pinning, hyperv, hide_hypervisor in the schema", () => {
  it("a CPU listed twice and a list that does not match the vCPUs: both, each at its key and line, exit 2", async () => {
    const error = await rejection('[vm]\nname = "a"\n[cpu]\ncores = 4\npinning = [2, 3, 2]\n');
    expect(error.exitCode).toBe(2);
    expect(pick(error.problems)).toEqual([
      { code: "E_CONFIG_INVALID", keyPath: "cpu.pinning[2]", line: 5, column: expect.any(Number) },
      { code: "E_CONFIG_INVALID", keyPath: "cpu.pinning", line: 5, column: expect.any(Number) },
    ]);
    expect(error.problems[0]!.message).toContain("host CPU 2 is listed twice (also at position 1)");
    expect(error.problems[1]!.message).toContain("3 host CPUs listed for 4 vCPUs");
  });

  it.each([
    ['pinning = "yes"', "cpu.pinning"],
    ["pinning = [1.5, 2]", "cpu.pinning"],
    ["pinning = [-1, 2]", "cpu.pinning[0]"],
    ['hyperv = "on"', "cpu.hyperv"],
    ["hide_hypervisor = 1", "cpu.hide_hypervisor"],
  ])("%s is refused at %s", async (line, keyPath) => {
    const error = await rejection(`[vm]\nname = "a"\n[cpu]\ncores = 2\n${line}\n`);
    expect(error.exitCode).toBe(2);
    expect(error.problems.map((problem) => problem.keyPath)).toContain(keyPath);
    expect(error.problems.find((problem) => problem.keyPath === keyPath)!.line).toBe(5);
  });

  it("a list one per vCPU, \"auto\" and the booleans are accepted", async () => {
    const request = await loadVmRequest({ path: "/vms/ok.toml", text: '[vm]\nname = "a"\n[cpu]\ncores = 2\nthreads = 2\npinning = [2, 10, 3, 11]\nhyperv = true\nhide_hypervisor = true\n', plugins: [] });
    expect(request.cpu).toMatchObject({ pinning: [2, 10, 3, 11], hyperv: true, hide_hypervisor: true });
    const auto = await loadVmRequest({ path: "/vms/ok.toml", text: '[vm]\nname = "a"\n[cpu]\npinning = "auto"\n', plugins: [] });
    expect(auto.cpu.pinning).toBe("auto");
    expect(auto.cpu.hyperv).toBeUndefined();
  });
});
