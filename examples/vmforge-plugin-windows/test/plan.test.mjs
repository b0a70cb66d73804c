import assert from "node:assert/strict";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { hostRoot, packageRoot, run, toolGate, userProject, vmforge, windowsVm } from "./support.mjs";

const example = () => readFile(join(packageRoot, "examples", "win11.toml"), "utf8");
const virtXmlValidate = toolGate("virt-xml-validate");
const xmllint = toolGate("xmllint");

async function plan(text, extra = []) {
  const { dir, toml } = await windowsVm(text);
  const out = join(dir, "out");
  const result = vmforge(["plan", toml, "--project", await userProject(), "--host-root", hostRoot, "--out", out, ...extra]);
  return { dir, toml, out, result };
}

describe("vmforge plan examples/win11.toml (the real CLI, this plugin installed)", () => {
  it("attaches the installer first, the drivers and the answer file, on UEFI with Secure Boot and a TPM 2.0", async () => {
    const { dir, out, result } = await plan(await example());
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    const { argv } = JSON.parse(await readFile(join(out, "qemu-command.json"), "utf8"));
    const media = argv.filter((arg) => arg.startsWith("driver=file,filename=") && arg.includes("media"));
    assert.deepEqual(
      media.map((arg) => arg.match(/filename=([^,]+)/)[1]),
      [join(dir, "Win11_24H2_English_x64.iso"), join(dir, "virtio-win.iso"), join(out, "autounattend.iso")],
    );
    assert.ok(argv.includes("ide-cd,drive=media0,bus=ide.0,id=media0-dev,bootindex=1"), "the installer boots first");
    assert.ok(argv.some((arg) => /^virtio-blk-pci,drive=disk0,.*bootindex=2$/.test(arg)), "the disk after it");
    assert.ok(argv.includes("tpm-crb,tpmdev=tpm0"));
    assert.ok(argv.includes("driver=cfi.pflash01,property=secure,value=on"));
    assert.ok(argv.some((arg) => arg.startsWith("type=q35,") && arg.includes("smm=on")));
    assert.ok(argv.some((arg) => /^if=pflash,.*unit=0,readonly=on,file=.*\.ms\.fd$|secboot/.test(arg)), "a secure boot OVMF build");

    const definition = JSON.parse(await readFile(join(out, "vm-definition.json"), "utf8"));
    assert.deepEqual({ type: definition.firmware.type, secureBoot: definition.firmware.secureBoot, tpm: definition.firmware.tpm }, { type: "uefi", secureBoot: true, tpm: true });

    const domain = await readFile(join(out, "domain.xml"), "utf8");
    assert.match(domain, /<loader readonly="yes" secure="yes" type="pflash">/);
    assert.match(domain, /<smm state="on"\/>/);
    assert.match(domain, /<tpm model="tpm-crb">\s*<backend type="emulator" version="2\.0"\/>/);
    assert.match(domain, new RegExp(`<source file="${join(dir, "Win11_24H2_English_x64.iso")}"/>[\\s\\S]*?<boot order="1"/>`));
    assert.match(domain, new RegExp(`<source file="${join(out, "autounattend.iso")}"/>`));
    assert.match(domain, new RegExp(`<source file="${join(dir, "virtio-win.iso")}"/>`));

    const iso = await stat(join(out, "autounattend.iso"));
    assert.equal(iso.mode & 0o777, 0o600, "the answer file ISO holds the password: owner only");
    const answerFile = await readFile(join(out, "windows", "autounattend.xml"), "utf8");
    assert.match(answerFile, /<TimeZone>W\. Europe Standard Time<\/TimeZone>/);
    assert.ok(!answerFile.includes("correct horse battery staple"));
  });

  it("domain.xml passes virt-xml-validate", { skip: virtXmlValidate.skip }, async () => {
    const { out, result } = await plan(await example());
    assert.equal(result.status, 0, result.stderr);
    const check = run("virt-xml-validate", [join(out, "domain.xml"), "domain"]);
    assert.equal(check.status, 0, check.stderr + check.stdout);
  });

  it("autounattend.xml as written passes the unattend XSD", { skip: xmllint.skip }, async () => {
    const { out, result } = await plan(await example());
    assert.equal(result.status, 0, result.stderr);
    const check = run("xmllint", ["--noout", "--schema", join(packageRoot, "schema", "unattend-subset.xsd"), join(out, "windows", "autounattend.xml")]);
    assert.equal(check.status, 0, check.stderr);
  });

  it("a missing install ISO is refused before any stage, at its line: no artifact is written", async () => {
    const text = await example();
    const { dir, toml } = await windowsVm(text);
    const out = join(dir, "out");
    await rm(join(dir, "Win11_24H2_English_x64.iso"));
    const result = vmforge(["plan", toml, "--project", await userProject(), "--host-root", hostRoot, "--out", out, "--json"]);
    assert.equal(result.status, 2, result.stderr);
    const { error } = JSON.parse(result.stdout);
    const line = text.split("\n").findIndex((entry) => entry.startsWith("install_iso")) + 1;
    assert.deepEqual(error.problems.map((problem) => [problem.code, problem.keyPath, problem.line]), [["E_WINDOWS_ISO_MISSING", "windows.install_iso", line]]);
    // Only the run's own record (plan.json says what failed); no stage ran.
    assert.deepEqual((await readdir(out).catch(() => [])).filter((name) => name !== "plan.json"), []);
  });

  it("a file that is not an ISO is refused (the preflight reads the CD001 volume descriptor)", async () => {
    const { writeFile } = await import("node:fs/promises");
    const { dir, toml } = await windowsVm(await example());
    await writeFile(join(dir, "virtio-win.iso"), "not an image");
    const result = vmforge(["plan", toml, "--project", await userProject(), "--host-root", hostRoot, "--json"]);
    assert.equal(result.status, 2);
    assert.deepEqual(JSON.parse(result.stdout).error.problems.map((problem) => [problem.code, problem.keyPath]), [["E_WINDOWS_NOT_AN_ISO", "windows.virtio_iso"]]);
  });

  it('[firmware] type = "bios" or tpm = false is refused, located, naming this plugin', async () => {
    const text = (await example()).replace("[display]", '[firmware]\ntype = "bios"\ntpm = false\n\n[display]');
    const { result } = await plan(text, ["--json"]);
    assert.equal(result.status, 2, result.stderr);
    const { error } = JSON.parse(result.stdout);
    assert.deepEqual(error.problems.map((problem) => [problem.code, problem.keyPath]), [["E_GUEST_NEEDS_CONFLICT", "firmware.type"], ["E_GUEST_NEEDS_CONFLICT", "firmware.tpm"]]);
    for (const problem of error.problems) assert.match(problem.message, /vmforge-plugin-windows \(Windows 11\)/);
  });

  it("for another guest the plugin does nothing but say that [windows] is ignored", async () => {
    const { out, result } = await plan((await example()).replace('guest = "windows"', 'guest = "none"'));
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout + result.stderr, /\[windows\] is ignored: vm\.guest is "none"/);
    await assert.rejects(stat(join(out, "autounattend.iso")));
    const { argv } = JSON.parse(await readFile(join(out, "qemu-command.json"), "utf8"));
    assert.ok(!argv.some((arg) => arg.includes("tpm")));
  });
});
