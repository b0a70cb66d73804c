import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { guestMediaKey } from "@vmforge/plugin-qemu-setup";
import { cloudInitMetaDataKey, cloudInitSeedKey, cloudInitUserDataKey, linuxConfigKey } from "../src/contract.js";
import { linuxStagesError, runLinuxStages } from "./support/run-linux-stages.js";
import { nic, userVmRequest, vmDefinition } from "./support/session-values.js";
import { tempDir } from "./support/tools.js";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0cP0dVx2Fm4bA1uGZ0y7oQ1b0a9zE6c9XbKq3n1Yw dev@laptop";
const OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBvGk0c6rhm6Dq6lBx4W5R2NKVbqWw0Xb9q2sC8vK5pD probe@example";
const web1Table = { hostname: "web-1", timezone: "UTC", packages: ["nginx"], runcmd: [["systemctl", "enable", "--now", "nginx"]], users: [{ name: "dev", sudo: true, ssh_authorized_keys: [KEY] }] };

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** A TOML folder with the files a [linux] table may name. */
async function tomlFolder(files: Record<string, string> = {}, tomlText = ""): Promise<{ dir: string; tomlPath: string }> {
  const dir = await tempDir();
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  const tomlPath = join(dir, "vm.toml");
  await writeFile(tomlPath, tomlText);
  return { dir, tomlPath };
}

describe("the linux stages in a dry run", () => {
  it("write cloud-init/* and seed.iso under --out only, and hand the seed to guest_media", async () => {
    const { kernel, report, outputDir } = await runLinuxStages({ request: userVmRequest({ linux: web1Table }), definition: vmDefinition() });
    expect(filesUnder(outputDir!)).toEqual(["cloud-init/meta-data", "cloud-init/network-config", "cloud-init/user-data", "seed.iso"]);
    const seedPath = join(outputDir!, "seed.iso");
    expect(kernel.session.get(guestMediaKey)).toEqual([{ kind: "cdrom", path: seedPath, format: "raw", label: "cidata", readonly: true, producer: "@vmforge/plugin-linux-setup" }]);
    expect(kernel.session.get(cloudInitSeedKey)).toMatchObject({ path: seedPath, bytes: statSync(seedPath).size, volumeId: "cidata", files: ["meta-data", "user-data", "network-config"] });
    expect(kernel.events.dispatched()).toContainEqual({ name: "GuestSpecificSetupCompleted", payload: { guest_type: "linux", output_path: seedPath } });
    expect(readFileSync(join(outputDir!, "cloud-init/user-data"), "utf8")).toBe(kernel.session.get(cloudInitUserDataKey)!.userData);
    expect(readFileSync(join(outputDir!, "cloud-init/meta-data"), "utf8")).toBe(kernel.session.get(cloudInitMetaDataKey)!.metaData);
    expect(statSync(join(outputDir!, "cloud-init/user-data")).mode & 0o777).toBe(0o600);
    expect(statSync(seedPath).mode & 0o777).toBe(0o600);
    expect(report.stages.filter((stage) => stage.plugin === "@vmforge/plugin-linux-setup").map((stage) => [stage.id, stage.status])).toEqual([
      ["linux_setup:load_config_toml", "done"],
      ["linux_setup:generate_cloud_init_user", "done"],
      ["linux_setup:generate_cloud_init_meta", "done"],
      ["linux_setup:assemble_cloud_init_iso", "done"],
    ]);
  });

  it("run before the stage that reads guest_media", async () => {
    const { report } = await runLinuxStages({ request: userVmRequest({ linux: web1Table }), definition: vmDefinition() });
    const order = report.stages.map((stage) => stage.id);
    expect(order.indexOf("qemu_setup:finalize_vm_definition")).toBeLessThan(order.indexOf("linux_setup:load_config_toml"));
    expect(order.indexOf("linux_setup:assemble_cloud_init_iso")).toBeLessThan(order.indexOf("qemu_setup:generate_qemu_command"));
  });

  it("without --out build everything in memory and write nothing", async () => {
    const dataHome = await tempDir();
    const { kernel, report } = await runLinuxStages({ request: userVmRequest({ linux: web1Table }), definition: vmDefinition(), outputDir: null, dataHome });
    expect(filesUnder(dataHome)).toEqual([]);
    expect(report.artifacts.map((artifact) => [artifact.name, artifact.status])).toEqual([
      ["cloud-init/meta-data", "planned"],
      ["cloud-init/user-data", "planned"],
      ["cloud-init/network-config", "planned"],
      ["seed.iso", "planned"],
    ]);
    expect(kernel.artifacts.get("seed.iso")).toBeInstanceOf(Uint8Array);
    expect(kernel.session.get(guestMediaKey)[0]!.path).toBe(join(dataHome, "vms", "web-1", "seed.iso"));
  });

  it("are skipped for a guest other than linux", async () => {
    const { kernel, report, outputDir } = await runLinuxStages({ request: userVmRequest({ guest: "none", linux: web1Table }), definition: vmDefinition({ guest: "none" }) });
    expect(report.stages.filter((stage) => stage.id.startsWith("linux_setup:")).every((stage) => stage.status === "skipped")).toBe(true);
    expect(kernel.session.get(guestMediaKey)).toEqual([]);
    expect(() => readdirSync(outputDir!)).toThrow();
    const warnings = kernel.ui.history().filter((envelope) => envelope.type === "Warn");
    expect(warnings).toEqual([expect.objectContaining({ code: "W_LINUX_TABLE_IGNORED", text: expect.stringContaining('vm.guest is "none"'), stage: "linux_setup:load_config_toml" })]);
  });

  it("say nothing for another guest without a [linux] table", async () => {
    const { kernel } = await runLinuxStages({ request: userVmRequest({ guest: "none" }), definition: vmDefinition({ guest: "none" }) });
    expect(kernel.ui.history().filter((envelope) => envelope.type === "Warn")).toEqual([]);
  });

  it("default the host name to vm.name and work without a [linux] table", async () => {
    const { kernel } = await runLinuxStages({ request: userVmRequest({ name: "db-2" }), definition: vmDefinition({ name: "db-2" }) });
    expect(kernel.session.get(linuxConfigKey)).toMatchObject({ hostname: "db-2", fqdn: null, users: [] });
    expect(parse(kernel.session.get(cloudInitUserDataKey)!.userData, { version: "1.1" })).toEqual({ hostname: "db-2", manage_etc_hosts: true });
  });

  it("match every NIC of the definition by MAC in network-config", async () => {
    const nics = [nic(0, "52:54:00:00:00:01"), nic(1, "52:54:00:00:00:02")];
    const { kernel } = await runLinuxStages({ request: userVmRequest({ linux: web1Table }), definition: vmDefinition({ nics }) });
    const network = parse(kernel.session.get(cloudInitUserDataKey)!.networkConfig, { version: "1.1" });
    expect(Object.values(network.ethernets).map((entry: any) => [entry.match.macaddress, entry["set-name"]])).toEqual([
      ["52:54:00:00:00:01", "eth0"],
      ["52:54:00:00:00:02", "eth1"],
    ]);
  });

  it("give the same instance-id for the same config and another when the config changes", async () => {
    const idFor = async (linux: unknown) => (await runLinuxStages({ request: userVmRequest({ linux }), definition: vmDefinition() })).kernel.session.get(cloudInitMetaDataKey)!.instanceId;
    const id = await idFor(web1Table);
    expect(await idFor(structuredClone(web1Table))).toBe(id);
    expect(await idFor({ ...web1Table, packages: ["nginx", "curl"] })).not.toBe(id);
    expect(await idFor({ ...web1Table, timezone: "Europe/Berlin" })).not.toBe(id);
    const otherMac = await runLinuxStages({ request: userVmRequest({ linux: web1Table }), definition: vmDefinition({ nics: [nic(0, "52:54:00:99:99:99")] }) });
    expect(otherMac.kernel.session.get(cloudInitMetaDataKey)!.instanceId).not.toBe(id);
  });

  it("read ssh_authorized_keys_file beside the TOML and change the instance-id when the file changes", async () => {
    const { dir, tomlPath } = await tomlFolder({ "keys/dev.pub": `# my laptop\n${OTHER_KEY}\n\n${KEY}\n` });
    const linux = { users: [{ name: "dev", ssh_authorized_keys: [KEY], ssh_authorized_keys_file: "keys/dev.pub" }] };
    const first = await runLinuxStages({ request: userVmRequest({ linux, tomlPath }), definition: vmDefinition() });
    expect(first.kernel.session.get(linuxConfigKey)!.users[0]!.sshAuthorizedKeys).toEqual([KEY, OTHER_KEY]);
    await writeFile(join(dir, "keys/dev.pub"), `${KEY}\n`);
    const second = await runLinuxStages({ request: userVmRequest({ linux, tomlPath }), definition: vmDefinition() });
    expect(second.kernel.session.get(linuxConfigKey)!.users[0]!.sshAuthorizedKeys).toEqual([KEY]);
    expect(second.kernel.session.get(cloudInitMetaDataKey)!.instanceId).not.toBe(first.kernel.session.get(cloudInitMetaDataKey)!.instanceId);
  });
});

describe("the linux stages in apply", () => {
  it("write the files into the VM's folder under the data folder", async () => {
    const dataHome = await tempDir();
    const { kernel } = await runLinuxStages({ request: userVmRequest({ linux: web1Table }), definition: vmDefinition(), dryRun: false, outputDir: null, dataHome });
    const vmDir = join(dataHome, "vms", "web-1");
    expect(filesUnder(vmDir)).toEqual(["cloud-init/meta-data", "cloud-init/network-config", "cloud-init/user-data", "seed.iso"]);
    expect(kernel.session.get(guestMediaKey)[0]!.path).toBe(join(vmDir, "seed.iso"));
  });
});

describe("the linux stages refuse", () => {
  it("a missing ssh key file, with the TOML line and the resolved path", async () => {
    const tomlText = '[vm]\nname = "web-1"\n\n[[linux.users]]\nname = "dev"\nssh_authorized_keys_file = "missing.pub"\n';
    const { dir, tomlPath } = await tomlFolder({}, tomlText);
    const error = await linuxStagesError({ request: userVmRequest({ linux: { users: [{ name: "dev", ssh_authorized_keys_file: "missing.pub" }] }, tomlPath, tomlText }), definition: vmDefinition() });
    expect(error.code).toBe("E_LINUX_KEY_FILE_MISSING");
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(join(dir, "missing.pub"));
    expect(error.problems[0]).toMatchObject({ file: tomlPath, line: 6, keyPath: "linux.users[0].ssh_authorized_keys_file" });
  });

  it("a key file holding a private key or nothing", async () => {
    const { tomlPath } = await tomlFolder({ "id_ed25519": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n", "empty.pub": "# nothing\n" });
    const error = await linuxStagesError({
      request: userVmRequest({ linux: { users: [{ name: "dev", ssh_authorized_keys_file: "id_ed25519" }, { name: "ops", ssh_authorized_keys_file: "empty.pub" }] }, tomlPath }),
      definition: vmDefinition(),
    });
    expect(error.code).toBe("E_LINUX_KEY_FILE_INVALID");
    expect(error.problems.map((problem) => problem.message)).toEqual(expect.arrayContaining([expect.stringContaining("private key"), expect.stringContaining("holds no key")]));
  });

  it("a plain password when the table reaches the stage unchecked (E_CONFIG_INVALID, exit 2)", async () => {
    const error = await linuxStagesError({ request: userVmRequest({ linux: { users: [{ name: "dev", password: "hunter2" }] } }), definition: vmDefinition() });
    expect(error).toMatchObject({ code: "E_CONFIG_INVALID", exitCode: 2 });
    expect(error.problems[0]).toMatchObject({ keyPath: "linux.users[0].password", message: expect.stringContaining("mkpasswd -m sha-512") });
  });

  it("an unknown key and a bad host name, all at once", async () => {
    const error = await linuxStagesError({ request: userVmRequest({ linux: { hostname: "bad_name", colour: "blue" } }), definition: vmDefinition() });
    expect(error).toMatchObject({ code: "E_CONFIG_INVALID", exitCode: 2 });
    expect(error.problems.map((problem) => problem.keyPath).sort()).toEqual(["linux", "linux.hostname"]);
  });

  it("a VM name that is no host name when [linux] hostname is not set", async () => {
    const error = await linuxStagesError({ request: userVmRequest({ name: "web-" }), definition: vmDefinition({ name: "web-" }) });
    expect(error).toMatchObject({ code: "E_LINUX_HOSTNAME", exitCode: 2 });
    expect(error.fix).toContain("hostname");
  });
});
