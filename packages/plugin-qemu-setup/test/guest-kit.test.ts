import { mkdir, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "@vmforge/kernel/zod";
import { definePlugin, type Plugin, type Problem } from "@vmforge/kernel";
import { guestMediaKey, qemuCommandKey, vmDefinitionKey } from "../src/contract.js";
import { attachMedium, guestAdds, guestPreflight, guestReads, guestRequest, needHardware, resolveRequestPath, whenGuest, type GuestRequest, type HardwareNeeds, type MediumToAttach } from "../src/guest.js";
import { locateTomlKey } from "../src/index.js";
import { plugin as qemuPlugin } from "../src/plugin.js";
import { vmTemplateToml } from "../src/template.js";
import { fakeEnvironment } from "./support/environment.js";
import { pipelineError, runPipeline } from "./support/run-pipeline.js";
import { tomlFile } from "./support/temp.js";

const demoSchema = z.strictObject({ iso: z.string(), flavour: z.enum(["plain", "fancy"]).default("plain") });

interface DemoOptions {
  media?: MediumToAttach[];
  needs?: HardwareNeeds;
  check?: (guest: GuestRequest) => Problem[] | Promise<Problem[]>;
  /** What the stages saw. */
  seen?: { table?: z.infer<typeof demoSchema>; isoPath?: string; ran: string[] };
}

/** A guest plugin as a third party writes it with the kit: `vm.guest = "demo"`, a [demo] table. */
function demoPlugin(options: DemoOptions = {}): Plugin {
  const when = whenGuest("demo", { table: "demo", ignored: "no demo media are made" });
  const seen = options.seen ?? { ran: [] };
  return definePlugin({
    name: "vmforge-plugin-demo",
    version: "1.0.0",
    description: "test guest plugin",
    guests: ["demo"],
    config: { tables: ["demo"], schema: async () => demoSchema },
    ...(options.check ? { preflightCheck: guestPreflight("demo", { check: options.check }) } : {}),
    stages: [
      {
        id: "demo:declare_needs",
        description: "asks for firmware",
        reads: [guestReads.request],
        adds: [guestAdds.needs],
        when,
        load: async () => ({
          run: async (ctx) => {
            seen.ran.push("declare_needs");
            if (options.needs) await needHardware(ctx, options.needs);
          },
        }),
      },
      {
        id: "demo:attach_media",
        description: "reads its table, attaches media",
        reads: [guestReads.request, guestReads.definition],
        adds: [guestAdds.media],
        when,
        load: async () => ({
          run: async (ctx) => {
            seen.ran.push("attach_media");
            const guest = await guestRequest(ctx);
            seen.table = guest.table("demo", demoSchema);
            seen.isoPath = guest.path(seen.table.iso);
            for (const medium of options.media ?? []) await attachMedium(ctx, medium);
          },
        }),
      },
    ],
  });
}

const DEMO_VM = (extra = "") => `[vm]
name = "demo-vm"
guest = "demo"

[[disk]]
size = "1G"
${extra}
[demo]
iso = "media/install.iso"
`;

const run = (path: string, plugin: Plugin) => runPipeline(path, { environment: fakeEnvironment(), extraPlugins: [plugin] });

describe("whenGuest", () => {
  it("runs the stages for their guest, and gives them the typed table and paths beside the TOML", async () => {
    const seen: NonNullable<DemoOptions["seen"]> = { ran: [] };
    const path = await tomlFile(DEMO_VM());
    const { kernel } = await run(path, demoPlugin({ seen }));
    expect(seen.ran).toEqual(["declare_needs", "attach_media"]);
    expect(seen.table).toEqual({ iso: "media/install.iso", flavour: "plain" });
    expect(seen.isoPath).toBe(join(dirname(path), "media/install.iso"));
    expect(kernel.ui.history().filter((message) => message.type === "Warn" && message.code === "W_GUEST_TABLE_IGNORED")).toEqual([]);
  });

  it("skips them for another guest and says once, from the first stage asked, that the table is ignored", async () => {
    const seen: NonNullable<DemoOptions["seen"]> = { ran: [] };
    const { kernel } = await run(await tomlFile(DEMO_VM().replace('guest = "demo"', 'guest = "none"')), demoPlugin({ seen }));
    expect(seen.ran).toEqual([]);
    const warnings = kernel.ui.history().filter((message) => message.type === "Warn" && message.code === "W_GUEST_TABLE_IGNORED");
    expect(warnings).toEqual([expect.objectContaining({ text: '[demo] is ignored: vm.guest is "none", so no demo media are made.', stage: "demo:declare_needs" })]);
  });

  it("skips them without a word when the table is not written either", async () => {
    const { kernel } = await run(await tomlFile('[vm]\nname = "plain"\nguest = "none"\n'), demoPlugin());
    expect(kernel.ui.history().filter((message) => message.type === "Warn" && message.code === "W_GUEST_TABLE_IGNORED")).toEqual([]);
  });
});

describe("GuestRequest.table", () => {
  it("gives the loader's validated value (not parsed again: a transform runs once)", async () => {
    let parses = 0;
    const counted = z.strictObject({ iso: z.string().transform((iso) => `${iso}#${++parses}`) });
    const plugin = definePlugin({
      name: "vmforge-plugin-count",
      version: "1.0.0",
      description: "",
      guests: ["demo"],
      config: { tables: ["demo"], schema: async () => counted },
      stages: [
        {
          id: "count:read_table",
          description: "reads its table",
          reads: [guestReads.request],
          load: async () => ({ run: async (ctx) => void (seen = (await guestRequest(ctx)).table("demo", counted)) }),
        },
      ],
    });
    let seen: unknown;
    await run(await tomlFile('[vm]\nname = "c"\nguest = "demo"\n[demo]\niso = "a.iso"\n'), plugin);
    expect(seen).toEqual({ iso: "a.iso#1" });
  });

  it("an absent table is the schema's defaults, or every missing key located at vm.guest", async () => {
    const request = { vm: { guest: "demo" }, extensions: {}, source: { path: "/vms/vm.toml", text: '[vm]\nname = "x"\nguest = "demo"\n' } };
    const { GuestRequest } = await import("../src/guest-kit/guest-request.js");
    const guest = new GuestRequest(request as never);
    expect(guest.table("demo", z.strictObject({ flavour: z.string().default("plain") }))).toEqual({ flavour: "plain" });
    let error: unknown;
    try {
      guest.table("demo", demoSchema);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toMatchObject({ code: "E_CONFIG_INVALID", exitCode: 2, problems: [expect.objectContaining({ keyPath: "vm.guest", line: 3, message: expect.stringContaining('guest = "demo" needs a [demo] table with demo.iso') })] });
  });
});

describe("resolveRequestPath", () => {
  it("takes a relative path from the TOML file's folder, ~/ from the home folder, and keeps an absolute one", () => {
    expect(resolveRequestPath("a/b.iso", "/srv/vms/win.toml")).toBe("/srv/vms/a/b.iso");
    expect(resolveRequestPath("../b.iso", "/srv/vms/win.toml")).toBe("/srv/b.iso");
    expect(resolveRequestPath("~/isos/b.iso", "/srv/vms/win.toml")).toBe(join(homedir(), "isos/b.iso"));
    expect(resolveRequestPath("/isos/b.iso", "/srv/vms/win.toml")).toBe("/isos/b.iso");
    // ~user is not expanded (the shell's rule, not ours): it is a folder named "~user" beside the TOML.
    expect(resolveRequestPath("~other/b.iso", "/srv/vms/win.toml")).toBe("/srv/vms/~other/b.iso");
  });
});

describe("locateTomlKey", () => {
  const text = '[vm]\nname = "x"\n\n[[linux.users]]\nname = "a"\nkey_file = "same"\n\n[[linux.users]]\nname = "b"\nkey_file = "same"\n';

  it("finds the key of the entry the path names, not the first line with that key", () => {
    expect(locateTomlKey(text, ["linux", "users", 1, "key_file"])).toEqual({ line: 10, column: 1, sourceLine: 'key_file = "same"' });
    expect(locateTomlKey(text, ["linux", "users", 0, "key_file"])).toMatchObject({ line: 6 });
  });

  it("falls back to the nearest table that is written, and to nothing", () => {
    expect(locateTomlKey(text, ["vm", "guest"])).toMatchObject({ line: 1, sourceLine: "[vm]" });
    expect(locateTomlKey(text, ["windows", "iso"])).toEqual({});
  });
});

describe("guestPreflight", () => {
  const isoCheck = async (guest: GuestRequest): Promise<Problem[]> => {
    const table = guest.table("demo", demoSchema);
    const problem = await guest.fileProblem(table.iso, { keyPath: ["demo", "iso"], what: "the demo ISO", missingCode: "E_DEMO_ISO_MISSING" });
    return problem ? [problem] : [];
  };

  it("refuses a missing file before any stage, located at the key that names it", async () => {
    const seen: NonNullable<DemoOptions["seen"]> = { ran: [] };
    const path = await tomlFile(DEMO_VM());
    const error = await pipelineError(path, { environment: fakeEnvironment(), extraPlugins: [demoPlugin({ check: isoCheck, seen })] });
    expect(error.exitCode).toBe(2);
    expect(error.problems).toEqual([
      expect.objectContaining({ code: "E_DEMO_ISO_MISSING", file: path, keyPath: "demo.iso", line: 9, sourceLine: 'iso = "media/install.iso"', received: '"media/install.iso"' }),
    ]);
    expect(error.problems[0]!.message).toContain(join(dirname(path), "media/install.iso"));
    expect(seen.ran).toEqual([]);
  });

  it("refuses a folder or a FIFO where a file belongs, and accepts a regular file", async () => {
    const path = await tomlFile(DEMO_VM());
    await mkdir(join(dirname(path), "media/install.iso"), { recursive: true });
    const error = await pipelineError(path, { environment: fakeEnvironment(), extraPlugins: [demoPlugin({ check: isoCheck })] });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_FILE_NOT_REGULAR", keyPath: "demo.iso", line: 9 })]);

    const ok = await tomlFile(DEMO_VM());
    await mkdir(join(dirname(ok), "media"));
    await writeFile(join(dirname(ok), "media/install.iso"), "iso");
    await expect(run(ok, demoPlugin({ check: isoCheck }))).resolves.toBeDefined();
  });

  it("asks nothing for another guest, and nothing of a description that does not load (qemu-setup reports that)", async () => {
    let asked = 0;
    const check = () => {
      asked++;
      return [];
    };
    await run(await tomlFile(DEMO_VM().replace('guest = "demo"', 'guest = "none"')), demoPlugin({ check }));
    expect(asked).toBe(0);
    const broken = await pipelineError(await tomlFile(DEMO_VM().replace('size = "1G"', 'size = "lots"')), { environment: fakeEnvironment(), extraPlugins: [demoPlugin({ check })] });
    expect(broken.code).toBe("E_CONFIG_INVALID");
    expect(asked).toBe(0);
  });

  it("locates problems a plugin makes itself, and GuestRequest.error is exit 2 naming file:line", async () => {
    const path = await tomlFile(DEMO_VM());
    const check = (guest: GuestRequest) => [guest.problem(["demo", "iso"], { code: "E_DEMO_REFUSED", message: "no" })];
    const error = await pipelineError(path, { environment: fakeEnvironment(), extraPlugins: [demoPlugin({ check })] });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_DEMO_REFUSED", keyPath: "demo.iso", line: 9, column: 1 })]);
  });
});

describe("attachMedium", () => {
  const argvOf = async (media: MediumToAttach[], diskExtra = "") => {
    const { kernel } = await run(await tomlFile(DEMO_VM(diskExtra)), demoPlugin({ media }));
    return kernel.session.get(qemuCommandKey)!.argv;
  };
  const bootOf = (argv: string[], id: string) => argv.find((arg) => arg.includes(`id=${id}-dev`))?.match(/bootindex=(\d+)/)?.[1];

  it('boot = "first" puts an installer before the disks; other media do not boot', async () => {
    const argv = await argvOf([{ path: "/isos/install.iso", label: "installer", boot: "first" }, { path: "/isos/drivers.iso" }]);
    expect(bootOf(argv, "media0")).toBe("1");
    expect(bootOf(argv, "disk0")).toBe("2");
    expect(bootOf(argv, "media1")).toBeUndefined();
    expect(argv).toContain("driver=file,filename=/isos/install.iso,node-name=media0-file,read-only=on");
    expect(argv.filter((arg) => arg.startsWith("ide-cd,"))).toHaveLength(2);
  });

  it('two media with boot = "first" boot in the order they were attached, before every disk', async () => {
    const argv = await argvOf([{ path: "/isos/a.iso", boot: "first" }, { path: "/isos/b.iso", boot: "first" }], '[[disk]]\nsize = "1G"\n');
    expect([bootOf(argv, "media0"), bootOf(argv, "media1"), bootOf(argv, "disk0"), bootOf(argv, "disk1")]).toEqual(["1", "2", "3", "4"]);
  });

  it("a medium without boot keeps the request's disk order (the disk boots first)", async () => {
    const argv = await argvOf([{ path: "/isos/a.iso" }]);
    expect(bootOf(argv, "disk0")).toBe("1");
    expect(bootOf(argv, "media0")).toBeUndefined();
  });

  it("attaches read-only raw CD-ROMs by default, with the plugin as producer", async () => {
    const { kernel } = await run(await tomlFile(DEMO_VM()), demoPlugin({ media: [{ path: "/isos/a.iso", label: "a" }] }));
    expect(kernel.session.get(guestMediaKey)).toEqual([{ kind: "cdrom", path: "/isos/a.iso", format: "raw", label: "a", readonly: true, producer: "vmforge-plugin-demo" }]);
  });
});

describe("needHardware (session.guest_needs)", () => {
  const needs: HardwareNeeds = { uefi: true, secureBoot: true, tpm: true, reason: "Demo OS 11" };

  it("turns on UEFI with a secure boot OVMF build and a TPM the request did not ask for", async () => {
    const { kernel } = await run(await tomlFile(DEMO_VM()), demoPlugin({ needs }));
    const { firmware } = kernel.session.get(vmDefinitionKey)!;
    expect(firmware).toMatchObject({ type: "uefi", secureBoot: true, tpm: true, code: "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", varsTemplate: "/usr/share/OVMF/OVMF_VARS_4M.ms.fd" });
    const argv = kernel.session.get(qemuCommandKey)!.argv;
    expect(argv).toContain("tpm-crb,tpmdev=tpm0");
    expect(argv).toContain("driver=cfi.pflash01,property=secure,value=on");
    expect(kernel.ui.history()).toEqual(expect.arrayContaining([expect.objectContaining({ type: "Info", text: expect.stringContaining("secure boot for vmforge-plugin-demo (Demo OS 11)") })]));
  });

  it("accepts a request that already says the same", async () => {
    const { kernel } = await run(await tomlFile(DEMO_VM('[firmware]\ntype = "uefi"\nsecure_boot = true\ntpm = true\n')), demoPlugin({ needs }));
    expect(kernel.session.get(vmDefinitionKey)!.firmware).toMatchObject({ secureBoot: true, tpm: true });
  });

  it("refuses each key the request writes against a need, located, naming the plugin and the reason", async () => {
    const path = await tomlFile(DEMO_VM('[firmware]\ntype = "bios"\ntpm = false\n'));
    const error = await pipelineError(path, { environment: fakeEnvironment(), extraPlugins: [demoPlugin({ needs })] });
    expect(error.exitCode).toBe(2);
    expect(error.problems).toEqual([
      expect.objectContaining({ code: "E_GUEST_NEEDS_CONFLICT", keyPath: "firmware.type", line: 8, sourceLine: 'type = "bios"', message: expect.stringContaining("vmforge-plugin-demo (Demo OS 11)") }),
      expect.objectContaining({ code: "E_GUEST_NEEDS_CONFLICT", keyPath: "firmware.tpm", line: 9, fix: expect.stringContaining("Remove `tpm`") }),
    ]);
  });

  it("changes nothing for another guest (its stage does not run)", async () => {
    const { kernel } = await run(await tomlFile(DEMO_VM().replace('guest = "demo"', 'guest = "none"')), demoPlugin({ needs }));
    expect(kernel.session.get(vmDefinitionKey)!.firmware).toMatchObject({ secureBoot: false, tpm: false });
  });
});

describe("guest names (manifest `guests`)", () => {
  it("a guest no plugin prepares gets a did-you-mean and the installed guests", async () => {
    const { kernel } = await run(await tomlFile('[vm]\nname = "x"\nguest = "dmeo"\n'), demoPlugin());
    expect(kernel.ui.history()).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: "Warn", code: "W_GUEST_UNHANDLED", text: expect.stringContaining('Installed guests: "none", "demo"'), fix: 'Did you mean guest = "demo"?' })]),
    );
  });

  it("vmforge init's template lists the installed guests and their packages on the guest line", async () => {
    const template = await qemuPlugin.config!.template!({ plugins: [qemuPlugin, demoPlugin()] });
    expect(template).toMatch(/^guest = "none" +# guest plugin that prepares the OS: "none" or "demo" \(vmforge-plugin-demo\)$/m);
    expect(vmTemplateToml([qemuPlugin])).toMatch(/^guest = "none" +# .*no guest plugin is installed/m);
  });

  it("definePlugin refuses a guest name that cannot be a vm.guest value", () => {
    expect(() => definePlugin({ name: "x", version: "1", description: "", guests: ["Win 11"], stages: [] })).toThrow(/guest "Win 11"/);
  });
});

