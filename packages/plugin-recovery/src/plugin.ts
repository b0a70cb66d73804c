import { definePlugin, packageInfo } from "@vmforge/kernel";

/**
 * Manifest only: no stage. The plugin watches every run through the kernel's hooks (lock,
 * checkpoints), adds `vmforge resume` and `--wait`; its code loads when a run or the command needs it.
 */
export const plugin = definePlugin({
  ...packageInfo(import.meta.url),
  kernelApi: 1,
  stages: [],
  flags: [{ name: "wait", description: "when another run of the same VM is going on, wait for it to end instead of stopping (exit 75)" }],
  commands: [
    {
      name: "resume",
      summary: "continue a run that stopped (failed, Ctrl-C, killed) from its last checkpoint; without NAME, list them",
      usage: "vmforge resume [NAME] [--restart] [--plan --out DIR] [--wait] [--host-root DIR] [--json | --json-lines]",
      load: () => import("./commands/resume.js"),
    },
  ],
  setup: async (api) => (await import("./watch-runs.js")).watchRuns(api),
});
