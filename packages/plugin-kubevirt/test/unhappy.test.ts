import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { examplesDir, planPreflight } from "@vmforge/test-support";
import { plugin as qemuSetupPlugin } from "@vmforge/plugin-qemu-setup/plugin";
import { plugin as kubevirtPlugin } from "../src/plugin.js";
import { kubevirtVmKey } from "../src/contract.js";
import { kubevirtTableSchema } from "../src/config-schema.js";
import { buildKubevirtVm } from "../src/manifest/virtual-machine.js";
import { guestMediaKey, userVmRequestKey, vmDefinitionKey } from "@vmforge/plugin-qemu-setup";
import { cloudInitParts, INLINE_MAX_BYTES, userDataSecrets } from "../src/manifest/cloud-init.js";
import { kubevirtToml, plan, planError } from "./support/plan.js";
import { validateVirtualMachine } from "./support/kubevirt-schema.js";

const HASH = "$6$rounds=4096$saltsalt$3MEaFxFbrpzYgRxfpCkZfBMPnmqH0lwLmUgcTfs1k2Z0y2Q7V8M9oWZr0EJm8PqFf5Rk9QjT2v6L3Yc0bD1nE.";
const lineIn = (text: string, start: string) => text.split("\n").findIndex((line) => line.trimStart().startsWith(start)) + 1;

describe("user-data that holds secrets goes into a Secret, not into the VirtualMachine", () => {
  it("a password hash: kubevirt-secret.yaml (0600) carries the user-data byte for byte, the VM names it with secretRef", async () => {
    const config = await kubevirtToml(join(examplesDir, "web-1.toml"), (text) => text.replace("sudo = true", `sudo = true\npassword_hash = "${HASH}"`));
    const run = await plan(config);
    const vmText = await run.read("kubevirt-vm.yaml");
    expect(vmText).not.toContain(HASH);
    expect(vmText).not.toContain("saltsalt");
    const vm = parse(vmText) as Awaited<ReturnType<typeof run.vm>>;
    const strict = validateVirtualMachine(vm);
    expect(strict.ok, strict.errors).toBe(true);

    const cloudInit = vm.spec.template.spec.volumes.find((volume) => volume.cloudInitNoCloud)!.cloudInitNoCloud!;
    expect(cloudInit).toEqual({ secretRef: { name: "web-1-cloud-init" }, networkData: await run.read("cloud-init/network-config") });

    const secretPath = join(run.outputDir, "kubevirt-secret.yaml");
    expect(((await stat(secretPath)).mode & 0o777).toString(8)).toBe("600");
    const secret = parse(await readFile(secretPath, "utf8")) as { apiVersion: string; kind: string; metadata: { name: string }; type: string; stringData: Record<string, string> };
    expect(secret).toMatchObject({ apiVersion: "v1", kind: "Secret", metadata: { name: "web-1-cloud-init" }, type: "Opaque" });
    expect(Object.keys(secret.stringData)).toEqual(["userdata"]);
    const userData = await run.read("cloud-init/user-data");
    expect(userData).toContain(HASH);
    expect(secret.stringData["userdata"]).toBe(userData);

    expect(run.kernel.session.get(kubevirtVmKey)).toMatchObject({ secretPath, status: "done" });
    expect(run.kernel.session.get(kubevirtVmKey)!.notes).toContainEqual(expect.stringContaining("a password hash (passwd)"));
  });

  it("user-data longer than KubeVirt's 2048-byte inline limit goes to the Secret too, without secrets in it", async () => {
    const packages = Array.from({ length: 200 }, (_, index) => `"package-${index}"`).join(", ");
    const config = await kubevirtToml(join(examplesDir, "web-1.toml"), (text) => text.replace('packages = ["nginx"]', `packages = [${packages}]`));
    const run = await plan(config);
    const userData = await run.read("cloud-init/user-data");
    expect(Buffer.byteLength(userData)).toBeGreaterThan(INLINE_MAX_BYTES);
    const vm = await run.vm();
    expect(validateVirtualMachine(vm).ok).toBe(true);
    expect(vm.spec.template.spec.volumes.find((volume) => volume.cloudInitNoCloud)!.cloudInitNoCloud).toEqual({ secretRef: { name: "web-1-cloud-init" }, networkData: await run.read("cloud-init/network-config") });
    const secret = parse(await run.read("kubevirt-secret.yaml")) as { stringData: Record<string, string> };
    expect(secret.stringData).toEqual({ userdata: userData });
    expect(run.kernel.session.get(kubevirtVmKey)!.notes).toContainEqual(expect.stringContaining("user-data longer than the 2048 bytes KubeVirt takes inline"));
  });

  it("a network-config over the limit goes to the Secret by networkDataSecretRef; short harmless files stay inline", () => {
    const longNetwork = `version: 2\n${"# padding\n".repeat(300)}`;
    const parts = cloudInitParts("vm", "ns", "#cloud-config\nhostname: vm\n", longNetwork);
    expect(parts.volume).toEqual({ name: "cloudinitdisk", cloudInitNoCloud: { userData: "#cloud-config\nhostname: vm\n", networkDataSecretRef: { name: "vm-cloud-init" } } });
    expect(parts.secret).toMatchObject({ metadata: { name: "vm-cloud-init", namespace: "ns" }, stringData: { networkdata: longNetwork } });
    expect(Object.keys(parts.secret!["stringData"] as object)).toEqual(["networkdata"]);
    const short = cloudInitParts("vm", undefined, "#cloud-config\nhostname: vm\n", "version: 2\n");
    expect(short).toMatchObject({ secret: null, reasons: [], volume: { cloudInitNoCloud: { userData: "#cloud-config\nhostname: vm\n", networkData: "version: 2\n" } } });
  });

  it("finds password hashes, plain passwords, chpasswd and private keys anywhere in the document, and nothing in a harmless one", () => {
    expect(userDataSecrets("#cloud-config\npackages: [nginx]\nusers:\n  - name: dev\n    lock_passwd: true\n")).toEqual([]);
    expect(userDataSecrets("#cloud-config\nusers:\n  - name: dev\n    passwd: $6$x$y\n")).toEqual(["a password hash (passwd)"]);
    expect(userDataSecrets("#cloud-config\nusers:\n  - name: dev\n    plain_text_passwd: hunter2\n")).toEqual(["a plain password (plain_text_passwd)"]);
    expect(userDataSecrets("#cloud-config\nchpasswd:\n  users:\n    - {name: root, password: hunter2, type: text}\n")).toEqual(["passwords (chpasswd)", "a password (password)"]);
    expect(userDataSecrets("#cloud-config\nssh_keys:\n  ed25519_private: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    abc\n    -----END OPENSSH PRIVATE KEY-----\n")).toEqual(["a private key", "a private key (ed25519_private)"]);
    expect(userDataSecrets("#cloud-config\nwrite_files:\n  - path: /k\n    content: \"-----BEGIN RSA PRIVATE KEY-----\\nx\"\n")).toEqual(["a private key"]);
    expect(userDataSecrets("#cloud-config\n: [unbalanced\n")).toEqual(["user-data that could not be read as YAML"]);
  });
});

describe("what KubeVirt cannot express is a warning naming the TOML key", () => {
  it("port forwards, OVMF paths, an emulated CPU, a CD-ROM from this host, a tap NIC, a second user NIC; the YAML still validates", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vmforge-kubevirt-warn-"));
    for (const [name, size] of [["installer.iso", 2048], ["code.fd", 4 * 1024 ** 2], ["vars.fd", 540672]] as const) await writeFile(join(dir, name), Buffer.alloc(size));
    const toml = [
      "[vm]",
      'name = "edge"',
      'accel = "tcg"',
      "",
      "[cpu]",
      'model = "max"',
      "sockets = 1",
      "cores = 3",
      "threads = 2",
      "",
      "[memory]",
      'size = "3GiB"',
      "",
      "[firmware]",
      'type = "uefi"',
      'code = "./code.fd"',
      'vars = "./vars.fd"',
      "",
      "[[disk]]",
      'size = "8GiB"',
      'bus = "sata"',
      "",
      "[[disk]]",
      'size = "1GiB"',
      'bus = "scsi"',
      "readonly = true",
      "",
      "[[network]]",
      'mode = "user"',
      'forward = ["tcp:2222:22"]',
      "",
      "[[network]]",
      'mode = "user"',
      "",
      "[[network]]",
      'mode = "tap"',
      'tap = "tap0"',
      "",
      "[[cdrom]]",
      'path = "./installer.iso"',
      "",
      "[output]",
      "kubevirt = true",
      "",
      "[kubevirt]",
      'namespace = "vms"',
      'storage_class = "fast.ssd"',
      'run_strategy = "Always"',
      "",
      "[kubevirt.claims]",
      'disk1 = "shared-data"',
      "",
    ].join("\n");
    const config = join(dir, "edge.toml");
    await writeFile(config, toml);
    const run = await plan(config);
    const vm = await run.vm();
    const strict = validateVirtualMachine(vm);
    expect(strict.ok, strict.errors).toBe(true);

    const warnings = run.kernel.session.get(kubevirtVmKey)!.warnings.map((warning) => warning.keyPath);
    expect(warnings).toEqual(["cdrom[0].path", "network[0].forward", "network[1].mode", "network[2].tap", "cpu.model", "firmware.code", "firmware.vars", "vm.accel"]);
    const texts = run.warnings("W_KUBEVIRT_INEXPRESSIBLE").map((warning) => warning.text);
    expect(texts).toContainEqual(expect.stringContaining(`${config}:${lineIn(toml, "forward = ")} network[0].forward: port forwards from this host (tcp:2222:22)`));
    expect(texts).toContainEqual(expect.stringContaining(`${config}:${lineIn(toml, "code = ")} firmware.code: an OVMF file path of this host`));
    expect(texts).toContainEqual(expect.stringContaining(`${config}:${lineIn(toml, "path = ")} cdrom[0].path:`));
    expect(texts).toContainEqual(expect.stringContaining(`${config}:${lineIn(toml, "accel = ")} vm.accel:`));

    // And what it can express is there, by value.
    expect(vm.metadata).toMatchObject({ name: "edge", namespace: "vms" });
    expect(vm.spec.runStrategy).toBe("Always");
    const { domain, networks, volumes } = vm.spec.template.spec;
    expect(domain.cpu).toEqual({ sockets: 1, cores: 3, threads: 2 });
    expect(domain.memory).toEqual({ guest: "3Gi" });
    expect(domain.devices.disks).toEqual([
      { name: "disk0", disk: { bus: "sata" }, bootOrder: 1, serial: "edge-d0" },
      { name: "disk1", disk: { bus: "scsi", readonly: true }, bootOrder: 2, serial: "edge-d1" },
    ]);
    expect(vm.spec.dataVolumeTemplates).toEqual([{ metadata: { name: "edge-disk0" }, spec: { source: { blank: {} }, storage: { resources: { requests: { storage: "8Gi" } }, storageClassName: "fast.ssd" } } }]);
    expect(volumes).toEqual([
      { name: "disk0", dataVolume: { name: "edge-disk0" } },
      { name: "disk1", persistentVolumeClaim: { claimName: "shared-data", readOnly: true } },
    ]);
    expect(domain.devices.interfaces.map((nic) => [nic.name, nic.masquerade ? "masquerade" : "bridge"])).toEqual([
      ["net0", "masquerade"],
      ["net2", "bridge"],
    ]);
    expect(networks).toEqual([
      { name: "net0", pod: {} },
      { name: "net2", multus: { networkName: "tap0" } },
    ]);
  });
});

describe("media other guest plugins attach", () => {
  it("are warnings on vm.guest; the cloud-init seed and [[cdrom]] are not (they have their own handling)", async () => {
    const run = await plan(await kubevirtToml(join(examplesDir, "web-1.toml")));
    const session = run.kernel.session;
    const media = session.get(guestMediaKey)!;
    expect(media.map((medium) => medium.producer)).toEqual(["@vmforge/plugin-linux-setup"]);
    const answer = { kind: "cdrom" as const, path: "/srv/vm/autounattend.iso", format: "raw" as const, label: "autounattend", readonly: true, producer: "vmforge-plugin-windows" };
    const built = buildKubevirtVm({ definition: session.get(vmDefinitionKey)!, request: session.get(userVmRequestKey)!, table: kubevirtTableSchema.parse({}), media: [...media, answer] });
    expect(built.warnings).toEqual([{ keyPath: ["vm", "guest"], message: expect.stringContaining("vmforge-plugin-windows attaches /srv/vm/autounattend.iso (autounattend), a file on this host"), fix: expect.any(String) }]);
    expect(validateVirtualMachine(built.vm).ok).toBe(true);
  });
});

describe("a bad [kubevirt] table is refused before any stage, exit 2, with file, line and key", () => {
  const web1 = (table: string) => kubevirtToml(join(examplesDir, "web-1.toml"), (text) => `${text}\n[output]\nkubevirt = true\n\n${table}`);

  it("a claim name Kubernetes would refuse, and an unknown key", async () => {
    const config = await web1('[kubevirt]\ncolour = "blue"\n\n[kubevirt.claims]\ndisk0 = "Web_1 Root"\n');
    const text = await readFile(config, "utf8");
    const error = await planError(config);
    expect(error).toMatchObject({ code: "E_CONFIG_INVALID", exitCode: 2 });
    const byKey = Object.fromEntries(error!.problems.map((problem) => [problem.keyPath, problem]));
    expect(byKey["kubevirt.claims.disk0"]).toMatchObject({ file: config, line: lineIn(text, "disk0 = "), message: expect.stringContaining("a Kubernetes object name") });
    expect(byKey["kubevirt.colour"]).toMatchObject({ code: "E_CONFIG_UNKNOWN_KEY", line: lineIn(text, "colour = ") });
  });

  it("a claim for a disk the VM does not have", async () => {
    const config = await web1('[kubevirt.claims]\ndisk3 = "data"\n');
    const text = await readFile(config, "utf8");
    const error = await planError(config);
    expect(error).toMatchObject({ code: "E_KUBEVIRT_UNKNOWN_DISK", exitCode: 2 });
    expect(error!.problems).toEqual([expect.objectContaining({ keyPath: "kubevirt.claims.disk3", file: config, line: lineIn(text, "disk3 = "), expected: "disk0" })]);
  });

  it("a disk id that is no disk id, and a namespace with capitals", async () => {
    const config = await web1('[kubevirt]\nnamespace = "VMs"\n\n[kubevirt.claims]\nroot = "data"\n');
    const error = await planError(config);
    expect(error).toMatchObject({ code: "E_CONFIG_INVALID", exitCode: 2 });
    expect(error!.problems.map((problem) => problem.keyPath).sort()).toEqual(["kubevirt.claims.root", "kubevirt.namespace"]);
  });

  it("a [[disk]] path that is the kubevirt-vm.yaml this plugin writes in the run folder", async () => {
    const outcome = await planPreflight([qemuSetupPlugin, kubevirtPlugin], (outputDir) => `[vm]\nname = "clash"\n\n[[disk]]\npath = "${join(outputDir, "kubevirt-vm.yaml")}"\n\n[output]\nkubevirt = true\n`);
    expect(outcome.error).toMatchObject({ exitCode: 2 });
    expect(JSON.stringify(outcome.error!.problems)).toContain("kubevirt-vm.yaml");
  });
});
