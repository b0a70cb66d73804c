import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FolderWriter } from "../src/folder-writer.js";

const folders: string[] = [];
function writer(): { root: string; writer: FolderWriter } {
  const root = mkdtempSync(join(tmpdir(), "vmforge-folder-writer-"));
  folders.push(root);
  return { root, writer: new FolderWriter(root) };
}
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe("FolderWriter", () => {
  it("builds the host's tree: folders with placeholders, links as links, files and their content", () => {
    const { root, writer: w } = writer();
    w.folder("/sys", ["bus", "devices"]);
    expect(lstatSync(join(root, "sys/bus")).isFile()).toBe(true);
    w.folder("/sys/bus", ["pci"]);
    w.link("/sys/devices", "../elsewhere");
    w.file("/sys/bus/pci");
    w.content("/sys/bus/pci", Buffer.from("0x10de\n"));
    expect(lstatSync(join(root, "sys/bus")).isDirectory()).toBe(true);
    expect(readlinkSync(join(root, "sys/devices"))).toBe("../elsewhere");
    expect(readFileSync(join(root, "sys/bus/pci"), "utf8")).toBe("0x10de\n");
    w.absent("/sys/bus/pci");
    expect(existsSync(join(root, "sys/bus/pci"))).toBe(false);
  });

  it("skips names a hostile host lists to climb out (/, .., NUL), and writes nothing outside", () => {
    const { root, writer: w } = writer();
    w.folder("/etc", ["..", ".", "../../escaped", "a/b", "ok\0no", "fine"]);
    expect(existsSync(join(root, "etc/fine"))).toBe(true);
    expect(existsSync(join(root, "escaped"))).toBe(false);
    expect(existsSync(join(root, "..", "escaped"))).toBe(false);
  });

  it("never writes through a symlink the remote host chose, even one pointing into the folder", () => {
    const { root, writer: w } = writer();
    const outside = mkdtempSync(join(tmpdir(), "vmforge-outside-"));
    folders.push(outside);
    w.folder("/sys", ["class"]);
    w.link("/sys/class", outside);
    expect(() => w.file("/sys/class/passwd")).toThrow(/not a plain folder/);
    expect(() => w.folder("/sys/class/net", [])).toThrow(/not a plain folder/);
    expect(existsSync(join(outside, "passwd"))).toBe(false);
    // A link placed by someone else below the folder is refused the same way.
    symlinkSync("/", join(root, "escape"));
    expect(() => w.file("/escape/tmp/x")).toThrow(/not a plain folder/);
  });

  it("resolves .. in host paths at the folder's root", () => {
    const { root, writer: w } = writer();
    w.file("/../../../x");
    expect(existsSync(join(root, "x"))).toBe(true);
  });

  it("writes content only where a file was looked up first", () => {
    const { writer: w } = writer();
    w.folder("/proc", []);
    expect(() => w.content("/proc/cpuinfo", Buffer.from("x"))).toThrow(/no file here/);
  });
});
