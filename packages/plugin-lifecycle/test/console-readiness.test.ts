import { describe, expect, it } from "vitest";
import { judgeConsole, tailLines } from "../src/console-readiness.js";

const FINAL_OK = "Cloud-init v. 24.1.3 finished at Tue, 01 Dec 2026 10:00:00 +0000. Datasource DataSourceNoCloud [seed=/dev/sr0][dsmode=net].  Up 42.17 seconds";

describe("judging the serial console", () => {
  it("waits while nothing decisive was written", () => {
    expect(judgeConsole("")).toEqual({ state: "waiting" });
    expect(judgeConsole("SeaBIOS (version 1.16.2)\r\nBooting from Hard Disk...\r\n[    0.000000] Linux version 6.1.0-28-amd64\r\n")).toEqual({ state: "waiting" });
    // cloud-init's earlier stages print a different line.
    expect(judgeConsole("[   12.1] cloud-init[412]: Cloud-init v. 24.1.3 running 'modules:final' at Tue, 01 Dec 2026 10:00:00 +0000. Up 40.00 seconds.")).toEqual({ state: "waiting" });
  });

  it("is ready on cloud-init's final message, with or without a journal prefix, escapes and CRs", () => {
    expect(judgeConsole(`boot\r\n${FINAL_OK}\r\n`)).toEqual({ state: "ready", line: FINAL_OK });
    expect(judgeConsole(`[   42.2] cloud-init[603]: ${FINAL_OK}`)).toMatchObject({ state: "ready" });
    expect(judgeConsole(`\x1b[0;32m${FINAL_OK}\x1b[0m\r`)).toEqual({ state: "ready", line: FINAL_OK });
  });

  it.each([
    ["the final message naming DataSourceNone", "Cloud-init v. 22.4.2 finished at Tue, 01 Dec 2026 10:00:00 +0000. Datasource DataSourceNone.  Up 12.00 seconds", "DataSourceNone"],
    ["the fallback warning", "[   10.0] cloud-init[300]: Used fallback datasource", "DataSourceNone"],
    ["a refused seed", "cloud-init[250]: /dev/sr0 is not a valid seed: no meta-data", "not a valid seed"],
    ["a kernel panic", "[    2.1] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)", "panicked"],
    ["SeaBIOS with nothing to boot", "Boot failed: not a bootable disk\r\n\r\nNo bootable device.  Retrying in 60 seconds.", "no bootable device"],
    ["OVMF with nothing to boot", "BdsDxe: No bootable option or device was found.", "no bootable device"],
  ])("fails on %s", (_, text, reason) => {
    const verdict = judgeConsole(`SeaBIOS\r\n${text}\r\n`);
    expect(verdict.state).toBe("failed");
    expect(verdict.state === "failed" && verdict.reason).toContain(reason);
    expect(verdict.state === "failed" && text).toContain(verdict.state === "failed" ? verdict.line.slice(0, 20) : "");
  });

  it("a failure wins over a ready line in the same text", () => {
    expect(judgeConsole(`Kernel panic - not syncing\n${FINAL_OK}\n`).state).toBe("failed");
  });

  it("the quoted datasource list cloud-init may print is not a failure", () => {
    expect(judgeConsole("Searching for local data source in: ['DataSourceNoCloud', 'DataSourceNone']\n")).toEqual({ state: "waiting" });
  });

  it("tailLines keeps the last non-empty lines without escapes", () => {
    expect(tailLines("a\r\n\r\n\x1b[1mb\x1b[0m\r\nc\n\n", 2)).toEqual(["b", "c"]);
  });
});
