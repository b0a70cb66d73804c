import { z } from "zod";
import { didYouMean } from "@vmforge/kernel";
import { EDITIONS, EDITION_NAMES } from "./editions.js";
import { WINDOWS_LANGUAGES } from "./languages.js";
import { WINDOWS_TIME_ZONES } from "./time-zones.js";

/*
 * The [windows] table as the user writes it. Strict: a typo (`locle`) is an error, located by
 * qemu-setup's loader with every other problem of the file.
 */

/** Characters of a Windows product key (25 of them, in 5 groups). */
export const PRODUCT_KEY = /^[BCDFGHJKMNPQRTVWXY2346789]{5}(-[BCDFGHJKMNPQRTVWXY2346789]{5}){4}$/;
/** NetBIOS computer name: at most 15 letters, digits and hyphens, not digits only. */
export const COMPUTER_NAME = /^(?![0-9]+$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,13}[A-Za-z0-9])?$/;
/** A local user name: at most 20 characters, none of "/\[]:;|=,+*?<>@ and no control character. */
export const USER_NAME = /^(?![. ]+$)[^"/\\[\]:;|=,+*?<>@\p{Cc}]{1,20}$/u;
const RESERVED_USERS = ["administrator", "guest", "defaultaccount", "wdagutilityaccount"];
/** One of a long list: the message names the closest entry instead of all of them. */
function oneOf(list: readonly string[], what: string, example: string) {
  return z.string().refine((value) => list.includes(value), {
    error: (issue) => {
      const meant = typeof issue.input === "string" ? didYouMean(issue.input, list) : undefined;
      return meant ? `not ${what}; did you mean "${meant}"?` : `not ${what} (e.g. "${example}")`;
    },
  });
}

/** Text XML 1.0 can carry, on one line. */
const ONE_LINE = /^[^\p{Cc}\uFFFE\uFFFF]*$/u;

export const windowsAdminSchema = z.strictObject({
  name: z
    .string()
    .regex(USER_NAME, 'at most 20 characters, none of "/\\[]:;|=,+*?<>@')
    .refine((name) => !RESERVED_USERS.includes(name.toLowerCase()), { message: "a built-in account of Windows; choose another name" }),
  /** Secret. Written into autounattend.xml in the form Windows accepts (see the README). */
  password: z.string().min(1).max(127).regex(ONE_LINE, "one line of text without control characters"),
  full_name: z.string().max(256).regex(ONE_LINE, "one line of text without control characters").optional(),
});

export const windowsTableSchema = z
  .strictObject({
    edition: z.enum(EDITION_NAMES).default("pro"),
    /** Language of Setup and of Windows: must be one the ISO holds. */
    ui_language: oneOf(WINDOWS_LANGUAGES, "a Windows display language", "en-US").default("en-US"),
    /** Keyboard, formats and the system locale. */
    locale: oneOf(WINDOWS_LANGUAGES, "a Windows language tag", "de-DE").default("en-US"),
    time_zone: oneOf(WINDOWS_TIME_ZONES, "a Windows time zone id (tzutil /l; IANA names such as Europe/Berlin are not)", "W. Europe Standard Time").default("UTC"),
    computer_name: z.string().regex(COMPUTER_NAME, "at most 15 letters, digits and hyphens, not only digits").optional(),
    product_key: z.string().regex(PRODUCT_KEY, "five groups of five characters: XXXXX-XXXXX-XXXXX-XXXXX-XXXXX").optional(),
    /** The Windows 11 installation ISO; relative to the TOML file's folder. */
    install_iso: z.string().min(1),
    /** The virtio-win driver ISO (https://fedorapeople.org/groups/virt/virtio-win/); relative to the TOML file's folder. */
    virtio_iso: z.string().min(1),
    admin: windowsAdminSchema,
  })
  .superRefine((table, ctx) => {
    if (table.product_key === undefined && EDITIONS[table.edition].genericKey === null) {
      ctx.addIssue({ code: "custom", path: ["product_key"], message: `edition "${table.edition}" has no generic setup key: give your product_key`, input: undefined });
    }
  });
export type WindowsTable = z.infer<typeof windowsTableSchema>;
