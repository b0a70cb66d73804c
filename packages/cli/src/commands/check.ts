import { resolve } from "node:path";
import { ExitCode, VmforgeError } from "@vmforge/kernel";
import { parseCommand } from "../options.js";
import { checkOutputDir } from "../out-dir.js";
import { createRuntime } from "../runtime.js";
import { checkHosts } from "./check-hosts.js";
import { HOST_REPORT_KEY, runHostCheck } from "./host-check-run.js";
import { printJson, type Command } from "./command.js";

export const checkCommand: Command = {
  name: "check",
  summary: "check this host for KVM, IOMMU and GPU passthrough",
  usage: "vmforge check [--json] [--host-root DIR | --host ssh://[USER@]HOST[:PORT]...] [--save-snapshot DIR]",
  help: `Runs the environment-check stages only (the stages that produce session.${HOST_REPORT_KEY})
and prints PASS / WARN / FAIL per check with the fix, then the GPUs and their passthrough verdicts.
Nothing on the host is changed. Exit code 0 when the host can run KVM guests, 3 when it cannot.

  --save-snapshot DIR   copy the files the check read into DIR (same tree; no serial numbers
                        or MAC addresses), to attach to a bug report or replay with --host-root
  --host ssh://[USER@]HOST[:PORT]
                        check that machine instead, over one SSH session with your ssh client
                        (keys, agent, known_hosts; VMFORGE_SSH_CONFIG=FILE adds ssh -F FILE).
                        Nothing is installed there: /bin/sh answers each read. Given more than
                        once, checks every host at once and prints one table (--json: {hosts});
                        exit 2 if one could not be read, else 3 if one cannot run KVM guests.`,
  async run(argv, io) {
    const { values, global } = parseCommand(argv, { "save-snapshot": { type: "string" }, host: { type: "string", multiple: true } }, this.usage);
    const hosts = (values.host as string[] | undefined) ?? [];
    if (hosts.length > 1) {
      if (values["save-snapshot"] !== undefined || global.hostRoot !== undefined) {
        throw new VmforgeError("E_USAGE", `Several --host take neither --save-snapshot nor --host-root.`, { exitCode: ExitCode.usage, fix: "Check one host at a time to save its snapshot." });
      }
      return checkHosts(hosts, global, io);
    }
    const snapshotDir = values["save-snapshot"] ? resolve(io.cwd, String(values["save-snapshot"])) : undefined;
    if (snapshotDir) await checkOutputDir(snapshotDir, "--save-snapshot");
    const runtime = await createRuntime(global, io, { dryRun: true, ...(snapshotDir ? { outputDir: snapshotDir } : {}) });
    try {
      const { exitCode, data } = await runHostCheck(runtime, snapshotDir ? { saveSnapshot: snapshotDir } : {});
      if (global.json) printJson(io, data);
      return exitCode;
    } finally {
      await runtime.close();
    }
  },
};
