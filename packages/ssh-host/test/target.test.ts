import { describe, expect, it } from "vitest";
import { parseSshTarget } from "../src/index.js";

describe("parseSshTarget", () => {
  it("takes ssh://[user@]host[:port]", () => {
    expect(parseSshTarget("ssh://gpu-box")).toEqual({ host: "gpu-box", text: "ssh://gpu-box" });
    expect(parseSshTarget("ssh://root@192.168.1.20:2222")).toEqual({ user: "root", host: "192.168.1.20", port: 2222, text: "ssh://root@192.168.1.20:2222" });
    expect(parseSshTarget("ssh://admin@[fe80::1]:22/")).toMatchObject({ user: "admin", host: "fe80::1", port: 22 });
  });

  it.each([
    ["http://gpu-box", /only ssh:\/\/ hosts/],
    ["ssh://", /no host name/],
    ["ssh://-oProxyCommand=touch%20x", /is not a host name/],
    ["ssh://root@-p22", /is not a host name/],
    ["ssh://-l@host", /is not a user name/],
    ["ssh://host:0", /port 0 is not between 1 and 65535/],
    ["ssh://host:65536", /port 65536/],
    ["ssh://host/etc", /a path, query or fragment/],
    ["ssh://host name", /is not a host name/],
  ])("refuses %s with E_SSH_TARGET (exit 2)", (text, message) => {
    let caught: unknown;
    try {
      parseSshTarget(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: "E_SSH_TARGET", exitCode: 2 });
    expect((caught as Error).message).toMatch(message);
  });
});
