import { invalidValueError, unrepresentableTextError } from "../errors.js";

/*
 * Characters XML 1.0 cannot carry at all (not even as a character reference): C0 controls
 * other than tab, LF and CR; lone surrogates; U+FFFE and U+FFFF.
 */
// No `u` flag on purpose: surrogates are matched one code unit at a time to find unpaired ones.
const NOT_IN_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Attribute values are whitespace-normalized by every XML parser: a tab or newline in a path would reach libvirt as a space.
const WHITESPACE_CONTROL = /[\t\n\r]/;

function firstBadCharacter(value: string): string | undefined {
  return NOT_IN_XML.exec(value)?.[0];
}

function describe(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** A path or name (in an attribute or as element text): returned unchanged or refused. */
export function singleLineText(field: string, value: string): string {
  const bad = firstBadCharacter(value);
  if (bad !== undefined) throw unrepresentableTextError(field, value, `it contains the character ${describe(bad)}`);
  const whitespace = WHITESPACE_CONTROL.exec(value)?.[0];
  if (whitespace !== undefined) throw unrepresentableTextError(field, value, `it contains ${describe(whitespace)}, which libvirt would read as a space`);
  return value;
}

/** Prose in element text (the description): tabs and newlines are fine, CR becomes LF as any XML reader would make it. */
export function elementText(field: string, value: string): string {
  const bad = firstBadCharacter(value);
  if (bad !== undefined) throw unrepresentableTextError(field, value, `it contains the character ${describe(bad)}`);
  return value.replace(/\r\n?/g, "\n");
}

/** Libvirt's schema patterns for the user strings it restricts. */
export const libvirtPatterns = {
  diskSerial: { pattern: /^[A-Za-z0-9_.+\- ]+$/, expected: "letters, digits, spaces and _ . + -" },
  deviceName: { pattern: /^[A-Za-z0-9_.\-\\:/]+$/, expected: "letters, digits and _ . - : / \\" },
} as const;

/** A user string libvirt's schema restricts further (a disk serial, a host interface name). */
export function restrictedText(field: string, value: string, rule: (typeof libvirtPatterns)[keyof typeof libvirtPatterns]): string {
  if (!rule.pattern.test(value)) throw invalidValueError(field, value, rule.expected);
  return value;
}
