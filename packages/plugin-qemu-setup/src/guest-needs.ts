import type { Problem } from "@vmforge/kernel";
import type { GuestNeeds, UserVmRequest } from "./contract.js";
import { locatedProblem, valueAt } from "./config-problems.js";
import { requestProblemContext } from "./request-context.js";

export const GUEST_NEEDS_CONFLICT = "E_GUEST_NEEDS_CONFLICT";

export interface NeedsApplied {
  /** The request with the firmware the guest needs turned on. */
  request: UserVmRequest;
  /** A key the user wrote that says the opposite of a need. */
  problems: Problem[];
  /** What was turned on and for whom, for the run's output; empty when nothing changed. */
  changes: string[];
}

interface Rule {
  wanted: (need: GuestNeeds) => boolean;
  key: "type" | "secure_boot" | "tpm";
  on: UserVmRequest["firmware"]["type"] | true;
  what: string;
}

const RULES: Rule[] = [
  { wanted: (need) => need.uefi === true || need.secureBoot === true, key: "type", on: "uefi", what: "UEFI firmware" },
  { wanted: (need) => need.secureBoot === true, key: "secure_boot", on: true, what: "secure boot" },
  { wanted: (need) => need.tpm === true, key: "tpm", on: true, what: "a TPM 2.0" },
];

/**
 * The firmware a guest plugin says its guest needs (session.guest_needs), applied to the
 * request: a default is turned on; a value the user wrote that says otherwise is a located
 * problem naming the plugin, never silently overridden.
 */
export function applyGuestNeeds(request: UserVmRequest, needs: readonly GuestNeeds[]): NeedsApplied {
  if (needs.length === 0) return { request, problems: [], changes: [] };
  const context = requestProblemContext(request);
  const firmware = { ...request.firmware };
  const problems: Problem[] = [];
  const changes: string[] = [];
  for (const rule of RULES) {
    const askedBy = needs.filter(rule.wanted);
    const first = askedBy[0];
    if (!first || firmware[rule.key] === rule.on) continue;
    const path = ["firmware", rule.key];
    const who = askedBy.map((need) => `${need.producer} (${need.reason})`).join(", ");
    if (valueAt(context.raw, path).found) {
      problems.push(
        locatedProblem(context, path, {
          code: GUEST_NEEDS_CONFLICT,
          message: `guest = "${request.vm.guest}" needs ${rule.what}, as ${who} says, but [firmware] ${rule.key} turns it off`,
          expected: `${rule.key} = ${JSON.stringify(rule.on)}, or no ${rule.key} key (the guest plugin then sets it)`,
          fix: `Remove \`${rule.key}\` from [firmware] (or set it to ${JSON.stringify(rule.on)}), or choose another guest.`,
        }),
      );
      continue;
    }
    (firmware as Record<string, unknown>)[rule.key] = rule.on;
    changes.push(`${rule.what} for ${who}`);
  }
  return { request: { ...request, firmware }, problems, changes };
}
