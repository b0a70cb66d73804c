import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { linuxTableSchema } from "../src/config-schema.js";
import { linuxConfigTemplate } from "../src/config-template.js";
import { plugin } from "../src/plugin.js";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0cP0dVx2Fm4bA1uGZ0y7oQ1b0a9zE6c9XbKq3n1Yw dev@laptop";

function issuesOf(table: unknown) {
  const result = linuxTableSchema.safeParse(table);
  expect(result.success).toBe(false);
  return result.success ? [] : result.error.issues;
}

describe("the [linux] table", () => {
  it("accepts the table of the issue and fills in defaults", () => {
    const table = linuxTableSchema.parse({
      hostname: "web-1",
      timezone: "UTC",
      packages: ["nginx"],
      runcmd: [["systemctl", "enable", "--now", "nginx"], "echo done"],
      users: [{ name: "dev", sudo: true, ssh_authorized_keys: [KEY], password_hash: "$6$salt$abcdefghijklmnopqrstuv" }],
    });
    expect(table.users[0]).toMatchObject({ name: "dev", sudo: true, groups: [] });
    expect(linuxTableSchema.parse({})).toEqual({ packages: [], runcmd: [], users: [] });
  });

  it("validates its own output again unchanged (the load stage checks twice)", () => {
    const once = linuxTableSchema.parse({ users: [{ name: "dev" }], packages: ["a"] });
    expect(linuxTableSchema.parse(once)).toEqual(once);
  });

  it("refuses a plain password and says how to make a hash", () => {
    const [issue] = issuesOf({ users: [{ name: "dev", password: "hunter2" }] });
    expect(issue!.path).toEqual(["users", 0, "password"]);
    expect(issue!.message).toContain("mkpasswd -m sha-512");
    expect(issue!.message).toContain("password_hash");
    expect(issue!.message).not.toContain("hunter2");
  });

  it.each(["-web", "web-", "web_1", "a..b", "x".repeat(64), "web 1", "", "ünï"])("refuses the host name %j", (hostname) => {
    const [issue] = issuesOf({ hostname });
    expect(issue!.path).toEqual(["hostname"]);
    expect(issue!.message).toContain("host name");
  });

  it.each(["web-1", "WEB1", "a", "web-1.example.com", `${"a".repeat(63)}.b`])("accepts the host name %j", (hostname) => {
    expect(linuxTableSchema.safeParse({ hostname }).success).toBe(true);
  });

  it("refuses an unknown key, at the root and in a user", () => {
    expect(issuesOf({ hostnme: "x" })[0]).toMatchObject({ code: "unrecognized_keys", keys: ["hostnme"] });
    expect(issuesOf({ users: [{ name: "dev", sudoo: true }] })[0]).toMatchObject({ code: "unrecognized_keys", path: ["users", 0] });
  });

  it("refuses unknown time zones, bad user names, duplicate users, private and multi-line keys", () => {
    expect(issuesOf({ timezone: "Mars/Olympus" })[0]!.path).toEqual(["timezone"]);
    expect(issuesOf({ users: [{ name: "Dev" }] })[0]!.path).toEqual(["users", 0, "name"]);
    expect(issuesOf({ users: [{ name: "dev" }, { name: "dev" }] })[0]!.path).toEqual(["users", 1, "name"]);
    expect(issuesOf({ users: [{ name: "dev", ssh_authorized_keys: ["-----BEGIN OPENSSH PRIVATE KEY-----"] }] })[0]!.message).toContain("private key");
    expect(issuesOf({ users: [{ name: "dev", ssh_authorized_keys: [`${KEY}\nssh-rsa AAAA evil`] }] })[0]!.message).toContain("single line");
    expect(issuesOf({ users: [{ name: "dev", password_hash: "hunter2" }] })[0]!.message).toContain("mkpasswd");
    expect(issuesOf({ users: [{ name: "dev", gecos: "a:b" }] })[0]!.path).toEqual(["users", 0, "gecos"]);
  });

  it("refuses characters cloud-init's YAML cannot carry", () => {
    for (const bad of ["\u0000", "\u0085", "\u2028", "\u007f", "\ufeff", "\ud800"]) {
      expect(issuesOf({ runcmd: [`echo ${bad}`] })[0]!.message).toMatch(/U\+[0-9A-F]{4}/);
    }
  });

  it("takes keys with authorized_keys options and every common key type", () => {
    const keys = [
      `from="10.0.0.0/8",no-port-forwarding ${KEY}`,
      "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 rsa@host",
      "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY= ec@host",
      "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t yubikey",
    ];
    expect(linuxTableSchema.safeParse({ users: [{ name: "dev", ssh_authorized_keys: keys }] }).success).toBe(true);
    expect(issuesOf({ users: [{ name: "dev", ssh_authorized_keys: ["~/.ssh/id_ed25519.pub"] }] })[0]!.message).toContain("not a public key");
  });

  it("runcmd takes argv arrays and strings, not empty ones", () => {
    expect(linuxTableSchema.safeParse({ runcmd: [["ls"], "ls -l"] }).success).toBe(true);
    expect(issuesOf({ runcmd: [[]] })[0]!.path).toEqual(["runcmd", 0]);
  });
});

describe("the manifest", () => {
  it("declares [linux] with a schema and a template that loads only when asked", async () => {
    expect(plugin.config.tables).toEqual(["linux"]);
    expect(await plugin.config.schema()).toBe(linuxTableSchema);
    expect(await plugin.config.template!()).toBe(linuxConfigTemplate);
    expect(linuxConfigTemplate).toMatch(/^\[linux\]$/m);
  });

  it("imports nothing but the kernel and the guest kit's light entry up front (listing plugins loads no zod, no YAML, no stage)", () => {
    const source = readFileSync(new URL("../src/plugin.ts", import.meta.url), "utf8");
    const staticImports = [...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1]);
    expect(staticImports).toEqual(["@vmforge/kernel", "@vmforge/plugin-qemu-setup/guest", "./linux-guest.js"]);
  });

  it("runs every stage only for Linux guests and after vm_definition", () => {
    expect(plugin.stages.map((stage) => stage.id)).toEqual([
      "linux_setup:load_config_toml",
      "linux_setup:generate_cloud_init_user",
      "linux_setup:generate_cloud_init_meta",
      "linux_setup:assemble_cloud_init_iso",
    ]);
    for (const stage of plugin.stages) {
      expect(typeof stage.when).toBe("function");
      expect(stage.reads).toEqual(expect.arrayContaining([{ key: "vm_definition", provider: "@vmforge/plugin-qemu-setup" }, { key: "user_vm_request", provider: "@vmforge/plugin-qemu-setup" }]));
    }
  });
});
