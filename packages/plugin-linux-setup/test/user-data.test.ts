import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { describeWhen, itWhen, tool } from "@vmforge/test-support";
import type { LinuxConfig, LinuxUserConfig } from "../src/contract.js";
import { linuxTableSchema } from "../src/config-schema.js";
import { renderUserData } from "../src/render-cloud-init.js";
import { HOSTILE_STRINGS } from "./support/hostile.js";
import { cloudInitSchema, pyYamlLoad } from "./support/tools.js";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0cP0dVx2Fm4bA1uGZ0y7oQ1b0a9zE6c9XbKq3n1Yw dev@laptop";
const realTools = tool("cloud-init", "cloud-init");
const CLOUD_INIT_SCHEMA = "/usr/lib/python3/dist-packages/cloudinit/config/schemas/schema-cloud-config-v1.json";

function user(fields: Partial<LinuxUserConfig> = {}): LinuxUserConfig {
  return { name: "dev", sudo: false, shell: null, groups: [], gecos: null, sshAuthorizedKeys: [], passwordHash: null, ...fields };
}

function config(fields: Partial<LinuxConfig> = {}): LinuxConfig {
  return { hostname: "web-1", fqdn: null, timezone: null, packages: [], runcmd: [], users: [], userData: null, ...fields };
}

const web1 = config({
  timezone: "UTC",
  packages: ["nginx"],
  runcmd: [["systemctl", "enable", "--now", "nginx"]],
  users: [user({ sudo: true, sshAuthorizedKeys: [KEY] })],
});

/** Every string the hostile config carries, where it should arrive in the parsed user-data. */
function hostileConfig(): { config: LinuxConfig; expectations: Array<{ where: (data: any) => unknown; value: string }> } {
  const strings = HOSTILE_STRINGS.filter((text) => text !== "");
  const expectations: Array<{ where: (data: any) => unknown; value: string }> = [];
  strings.forEach((text, index) => {
    expectations.push({ where: (data) => data.runcmd[index * 2][1], value: text });
    expectations.push({ where: (data) => data.runcmd[index * 2 + 1], value: text });
    expectations.push({ where: (data) => data.packages[index], value: text });
    expectations.push({ where: (data) => data.users[0].ssh_authorized_keys[index], value: text });
    expectations.push({ where: (data) => data.users[index + 1].gecos, value: text });
  });
  return {
    config: config({
      fqdn: "web-1.example.com",
      packages: [...strings],
      runcmd: strings.flatMap((text) => [["echo", text], text]),
      // The schema refuses multi-line keys; the YAML layer must carry them anyway.
      users: [user({ sshAuthorizedKeys: [...strings], passwordHash: "$6$salt$hash" }), ...strings.map((text, index) => user({ name: `u${index}`, gecos: text }))],
    }),
    expectations,
  };
}

describe("user-data", () => {
  it("is a #cloud-config document of the keys cloud-init knows", () => {
    const text = renderUserData(web1);
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    expect(text).not.toContain("\n---");
    expect(parse(text, { version: "1.1" })).toEqual({
      hostname: "web-1",
      manage_etc_hosts: true,
      timezone: "UTC",
      users: [{ name: "dev", shell: "/bin/bash", sudo: "ALL=(ALL) NOPASSWD:ALL", lock_passwd: true, ssh_authorized_keys: [KEY] }],
      packages: ["nginx"],
      runcmd: [["systemctl", "enable", "--now", "nginx"]],
    });
  });

  it("never folds a long line (an RSA 4096 key stays one line)", () => {
    const longKey = `ssh-rsa ${"A".repeat(716)}= long@key`;
    const longCommand = `echo ${"x ".repeat(200)}# done`;
    const text = renderUserData(config({ users: [user({ sshAuthorizedKeys: [longKey] })], runcmd: [longCommand] }));
    expect(text.split("\n").some((line) => line.includes(longKey))).toBe(true);
    expect(parse(text, { version: "1.1" }).runcmd).toEqual([longCommand]);
  });

  it("unlocks the password only with a hash, and sets the FQDN for a dotted name", () => {
    const data = parse(renderUserData(config({ fqdn: "web-1.example.com", users: [user({ passwordHash: "$6$s$h" })] })), { version: "1.1" });
    expect(data.users[0]).toMatchObject({ lock_passwd: false, passwd: "$6$s$h" });
    expect(data).toMatchObject({ hostname: "web-1", fqdn: "web-1.example.com" });
  });

  itWhen(realTools)("uses only keys of cloud-init's own schema (cloud-init 25 refuses unknown ones)", () => {
    const schema = JSON.parse(readFileSync(CLOUD_INIT_SCHEMA, "utf8"));
    const topLevel = new Set<string>(Object.values(schema.$defs).flatMap((def: any) => Object.keys(def.properties ?? {})));
    const userKeys = new Set(Object.keys(schema.$defs["users_groups.user"].properties));
    const { config: hostile } = hostileConfig();
    const data = parse(renderUserData({ ...hostile, timezone: "UTC" }), { version: "1.1" });
    for (const key of Object.keys(data)) expect(topLevel, key).toContain(key);
    for (const entry of data.users) for (const key of Object.keys(entry)) expect(userKeys, key).toContain(key);
  });

  describeWhen(realTools)("with the real cloud-init", () => {
    let hostile: ReturnType<typeof hostileConfig>;
    let hostileText: string;
    beforeAll(() => {
      hostile = hostileConfig();
      hostileText = renderUserData(hostile.config);
    });

    it("cloud-init schema accepts the web-1 user-data", async () => {
      const result = await cloudInitSchema(renderUserData(web1));
      expect(result.output).toContain("Valid cloud-config");
      expect(result.ok).toBe(true);
    });

    it("cloud-init schema accepts user-data full of hostile strings", async () => {
      const result = await cloudInitSchema(hostileText);
      expect(result.output).toContain("Valid cloud-config");
      expect(result.ok).toBe(true);
    });

    it("every hostile string arrives byte-identical through PyYAML and through yaml 1.1", async () => {
      const [read] = await pyYamlLoad([hostileText]);
      expect(read!.ok).toBe(true);
      const fromPython = (read as { value: any }).value;
      const fromJs = parse(hostileText, { version: "1.1" });
      for (const { where, value } of hostile.expectations) {
        expect(where(fromPython)).toBe(value);
        expect(where(fromJs)).toBe(value);
      }
      expect(Object.keys(fromPython).sort()).toEqual(["fqdn", "hostname", "manage_etc_hosts", "packages", "runcmd", "users"]);
    });
  });
});
