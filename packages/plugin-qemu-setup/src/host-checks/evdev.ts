import { realpathSync, statSync } from "node:fs";
import type { HostRoot } from "@vmforge/kernel";
import type { UserVmRequest } from "../contract.js";
import type { CheckReport } from "./report.js";

/**
 * Each [[input]] evdev device is there on the host, read through the host root. A snapshot that
 * holds no /dev/input cannot tell: a warning says so rather than passing in silence. On the live
 * host (or a snapshot that has /dev/input) a missing device is an error.
 */
export async function checkEvdev(request: Pick<UserVmRequest, "input">, host: HostRoot | undefined, report: CheckReport): Promise<void> {
  for (const [index, input] of (request.input ?? []).entries()) {
    const key = ["input", index, "evdev"];
    if (host === undefined) {
      report.warn({ code: "W_EVDEV_UNVERIFIED", text: `input[${index}]: ${input.evdev} cannot be verified: this check has no host root to look in.` });
      continue;
    }
    const found = await host.resolve(input.evdev);
    const real = found !== undefined && host.isLive ? realpathOrUndefined(found) : found;
    if (real === undefined) {
      if (!host.isLive && !(await host.exists("/dev/input"))) {
        report.warn({ code: "W_EVDEV_UNVERIFIED", text: `input[${index}]: ${input.evdev} cannot be verified in this snapshot (${host.root} holds no /dev/input); check it on the host itself.`, fix: "On the host: `ls -l /dev/input/by-id/`." });
        continue;
      }
      report.problem("E_EVDEV_MISSING", key, `${input.evdev} does not exist on ${host.isLive ? "this host" : `the host root ${host.root}`}`, {
        received: JSON.stringify(input.evdev),
        expected: "a keyboard or mouse of the host, e.g. /dev/input/by-id/usb-...-event-kbd",
        fix: "List the host's devices with `ls /dev/input/by-id` and use an *-event-kbd or *-event-mouse entry (plug the device in first).",
      });
      continue;
    }
    // The link must end at an event device of /dev/input: a by-id link that leads elsewhere is refused.
    const inside = host.isLive ? real : `/${real.slice(host.root.length).replace(/^\/+/, "")}`;
    if (!inside.startsWith("/dev/input/")) {
      report.problem("E_EVDEV_NOT_INPUT", key, `${input.evdev} leads to ${inside}, which is not an input device below /dev/input/`, {
        received: JSON.stringify(input.evdev),
        expected: "a link or device below /dev/input/",
        fix: "Use an entry of `ls /dev/input/by-id` (they lead to /dev/input/eventN).",
      });
      continue;
    }
    // A live device is a character device; a snapshot stores it as a placeholder file.
    let kind = "missing";
    try {
      const stats = statSync(real);
      kind = stats.isCharacterDevice() ? "char" : stats.isDirectory() ? "folder" : stats.isFile() ? "file" : "other";
    } catch {
      kind = "missing";
    }
    if (kind === "folder" || (host.isLive && kind !== "char")) {
      report.problem("E_EVDEV_NOT_INPUT", key, `${input.evdev} is ${kind === "folder" ? "a folder" : "not a character device"}`, {
        received: JSON.stringify(input.evdev),
        expected: "an input event device (a character device)",
        fix: "Use an entry of `ls /dev/input/by-id` ending in -event-kbd or -event-mouse.",
      });
    }
  }
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
