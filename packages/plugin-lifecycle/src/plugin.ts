import { definePlugin, packageInfo } from "@vmforge/kernel";

/** Manifest only: listing plugins loads no command code. */
export const plugin = definePlugin({
  ...packageInfo(import.meta.url),
  kernelApi: 1,
  stages: [],
  commands: [
    {
      name: "start",
      summary: "start a VM vmforge apply made (launch.sh, or libvirt with --libvirt); --wait until the guest is ready",
      usage: "vmforge start NAME [--libvirt] [--connect URI] [--wait] [--timeout SECONDS] [--dir DIR] [--json]",
      load: () => import("./commands/start.js"),
    },
    {
      name: "status",
      summary: "whether a VM runs: its pid, accelerator and uptime",
      usage: "vmforge status NAME [--libvirt] [--connect URI] [--dir DIR] [--json]",
      load: () => import("./commands/status.js"),
    },
    {
      name: "stop",
      summary: "ACPI power-off of a running VM, then a kill after the timeout",
      usage: "vmforge stop NAME [--timeout SECONDS] [--force] [--libvirt] [--connect URI] [--dir DIR] [--json]",
      load: () => import("./commands/stop.js"),
    },
    {
      name: "console",
      summary: "attach the terminal to a running VM's serial console (Ctrl-] detaches)",
      usage: "vmforge console NAME [--libvirt] [--connect URI] [--dir DIR]",
      load: () => import("./commands/console.js"),
    },
  ],
});
