import { z } from "@vmforge/kernel/zod";
import { HOSTNAME_HINT, isValidHostname } from "./hostname.js";
import { sshKeyProblem } from "./ssh-keys.js";
import { isKnownTimezone } from "./timezone.js";
import { describeCharacter, unsafeCharacterIn } from "./yaml-safe-text.js";

/*
 * The [linux] table as the user writes it: strict (an unknown key is an error), defaults
 * filled in, and the output is again valid input (no transforms), so the load stage can
 * check it a second time. hostname's default (vm.name) is filled in by the load stage.
 */

export const USER_NAME_PATTERN = /^[a-z_][a-z0-9_-]{0,31}$/;
const PASSWORD_HASH_PATTERN = /^\$[0-9a-z]{1,6}\$[^\s:]+$/;
const SHELL_PATTERN = /^\/[^\s:]*$/;

export const PLAIN_PASSWORD_MESSAGE =
  'a plain password is never accepted (it would sit readable in the seed ISO); give password_hash = "$6$..." instead, made with `mkpasswd -m sha-512` (package whois)';

function yamlSafe(value: string, ctx: z.RefinementCtx): void {
  const bad = unsafeCharacterIn(value);
  if (bad) ctx.addIssue({ code: "custom", message: `contains ${describeCharacter(bad)}, which cloud-init's YAML reader cannot carry; remove it`, input: value });
}

/** Paths, shells, hashes: no control character at all (a CR or an escape would hide in a terminal or a file). */
function noControlCharacter(value: string, ctx: z.RefinementCtx): void {
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u001f\u007f-\u009f]/.exec(value)?.[0];
  if (bad) ctx.addIssue({ code: "custom", message: `must not contain ${describeCharacter(bad)} (a control character)`, input: value });
}

const safeText = z.string().superRefine(yamlSafe);
const nonEmptySafeText = z.string().min(1, "must not be empty").superRefine(yamlSafe);
const filePath = z.string().min(1, "must not be empty").superRefine(noControlCharacter);

const sshKey = z.string().superRefine((value, ctx) => {
  const problem = sshKeyProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `ssh key ${problem}`, input: value });
});

const userName = z.string().regex(USER_NAME_PATTERN, "must be a Linux user name: a-z or _ first, then a-z, 0-9, _ or -, at most 32");

export const linuxUserSchema = z.strictObject({
  name: userName,
  /** true: passwordless sudo (ALL=(ALL) NOPASSWD:ALL). */
  sudo: z.boolean().default(false),
  shell: z.string().regex(SHELL_PATTERN, "must be an absolute path without spaces or colons, e.g. /bin/bash").superRefine(noControlCharacter).optional(),
  groups: z.array(z.string().regex(USER_NAME_PATTERN, "must be a group name: a-z or _ first, then a-z, 0-9, _ or -")).default([]),
  gecos: safeText.refine((value) => !/[:\n]/.test(value), "must not contain a colon or a newline (they split /etc/passwd)").optional(),
  ssh_authorized_keys: z.array(sshKey).default([]),
  /** An authorized_keys-style file, relative to the TOML file's folder. */
  ssh_authorized_keys_file: filePath.optional(),
  password_hash: z.string().regex(PASSWORD_HASH_PATTERN, "must be a crypt(3) hash such as `mkpasswd -m sha-512` prints ($6$salt$hash)").superRefine(noControlCharacter).optional(),
  /** Declared only to refuse it with a message that says what to do instead. */
  password: z.custom<never>(() => false, { error: PLAIN_PASSWORD_MESSAGE }).optional(),
});

export const linuxTableSchema = z.strictObject({
  /** Default: vm.name. A dotted name sets the FQDN too. */
  hostname: z.string().refine(isValidHostname, `must be ${HOSTNAME_HINT}`).optional(),
  timezone: z.string().refine(isKnownTimezone, 'must be an IANA time zone name, e.g. "UTC" or "Europe/Berlin"').optional(),
  packages: z.array(nonEmptySafeText.regex(/^\S+$/, "must be a package name without spaces")).default([]),
  /** Each entry: an argv array (run without a shell) or a string (run by sh). */
  runcmd: z.array(z.union([nonEmptySafeText, z.array(safeText).min(1, "an argv array needs at least the program")])).default([]),
  users: z.array(linuxUserSchema).default([]).superRefine((users, ctx) => {
    const seen = new Set<string>();
    users.forEach((user, index) => {
      if (seen.has(user.name)) ctx.addIssue({ code: "custom", message: `user "${user.name}" is listed twice`, path: [index, "name"] });
      seen.add(user.name);
    });
  }),
  /** A #cloud-config file of the user's, relative to the TOML file's folder, merged into ours. */
  user_data_file: filePath.optional(),
});

export type LinuxTable = z.infer<typeof linuxTableSchema>;
export type LinuxUserTable = z.infer<typeof linuxUserSchema>;
