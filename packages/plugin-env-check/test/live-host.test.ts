import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HostRoot, Kernel } from "@vmforge/kernel";
import { EnvironmentDataSchema, HostReportSchema, buildHostReport, gatherEnvironment, plugin, saveSnapshot } from "../src/index.js";

const live = new HostRoot("/");
const onLinux = process.platform === "linux";
const temporary: string[] = [];
afterAll(async () => {
  for (const dir of temporary) await rm(dir, { recursive: true, force: true });
});

async function runCheck(hostRoot: string) {
  const kernel = new Kernel({ dryRun: true, hostRoot });
  await kernel.use(plugin);
  const report = await kernel.run({ selection: { targetKeys: ["host_report"] } });
  const result = kernel.ui.history().find((message) => message.type === "Result");
  return { kernel, report, result };
}

describe.runIf(onLinux)("the live machine", () => {
  it("reads every fact into a document the zod contract accepts", async () => {
    const env = await gatherEnvironment(live);
    expect(EnvironmentDataSchema.parse(env)).toEqual(env);
    expect(env.cpu.logicalCpus).toBeGreaterThan(0);
    expect(env.pci.devices.length).toBeGreaterThan(0);
    expect(HostReportSchema.parse(buildHostReport(env))).toBeTruthy();
  });

  it("says FAIL for KVM with the reason and the fix when /dev/kvm is missing, and marks the host unfit", async ({ skip }) => {
    if (await live.exists("/dev/kvm")) skip("this machine has /dev/kvm");
    const { kernel, report, result } = await runCheck("/");
    const hostReport = kernel.session.snapshot()["host_report"] as ReturnType<typeof buildHostReport>;
    const device = hostReport.checks.find((check) => check.id === "kvm.device")!;
    expect(device.status).toBe("fail");
    expect(device.message).toMatch(/\/dev\/kvm does not exist/);
    expect(device.fix).toBeTruthy();
    expect(hostReport.kvmUsable).toBe(false);
    expect(report.hostUnfit.length).toBeGreaterThan(0);
    expect(result?.type === "Result" && result.text).toMatch(/^FAIL {2}kvm\.device: /m);
    expect(result?.type === "Result" && result.text).toMatch(/^ {2}fix: /m);
    expect(kernel.events.dispatched().map((event) => event.name)).toContain("EnvironmentCheckCompleted");
  });

  it("gives the same JSON from a saved snapshot as from the machine", async () => {
    const first = await runCheck("/");
    const dir = await mkdtemp(join(tmpdir(), "vmforge-live-snapshot-"));
    temporary.push(dir);
    const summary = await saveSnapshot(first.kernel.host, dir);
    expect(summary.files).toBeGreaterThan(5);
    const second = await runCheck(dir);
    const data = (run: typeof first) => (run.result?.type === "Result" ? run.result.data : undefined);
    expect(data(second)).toEqual(data(first));
    expect(second.report.hostUnfit).toEqual(first.report.hostUnfit);
  });
});

describe.runIf(onLinux)("--save-snapshot through the stage flags", () => {
  it("the finalizer saves the snapshot when the CLI passes flags.saveSnapshot, and the replay matches", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vmforge-flag-snapshot-"));
    temporary.push(dir);
    const kernel = new Kernel({ dryRun: true, hostRoot: "/" });
    await kernel.use(plugin);
    await kernel.run({ selection: { targetKeys: ["host_report"] }, input: { flags: { saveSnapshot: dir } } });
    const first = kernel.ui.history().find((message) => message.type === "Result");
    expect(kernel.ui.history().some((message) => message.type === "Info" && message.text.includes("Host snapshot saved"))).toBe(true);
    const second = await runCheck(dir);
    expect(second.result?.type === "Result" && second.result.data).toEqual(first?.type === "Result" && first.data);
  });
});

describe.runIf(onLinux)("systeminformation, only when asked", () => {
  it("asks it for disk models with flags.hardwareDetails and keeps its answer in the snapshot for replay", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vmforge-details-snapshot-"));
    temporary.push(dir);
    const kernel = new Kernel({ dryRun: true, hostRoot: "/" });
    await kernel.use(plugin);
    await kernel.run({ selection: { targetKeys: ["host_report"] }, input: { flags: { saveSnapshot: dir, hardwareDetails: true } } });
    const first = kernel.ui.history().find((message) => message.type === "Result");
    const second = await runCheck(dir);
    expect(second.result?.type === "Result" && second.result.data).toEqual(first?.type === "Result" && first.data);
  }, 30_000);
});

describe.runIf(onLinux)("a second run in the same process", () => {
  it("reads the host afresh", async () => {
    const kernel = new Kernel({ dryRun: true, hostRoot: "/" });
    await kernel.use(plugin);
    await kernel.run({ selection: { targetKeys: ["host_report"] } });
    const first = kernel.session.snapshot()["host_memory"];
    await kernel.run({ selection: { targetKeys: ["host_report"] } });
    expect(kernel.session.snapshot()["host_memory"]).not.toBe(first);
  });
});
