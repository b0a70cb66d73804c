/*
 * Characters cloud-init's YAML reader (PyYAML, YAML 1.1) refuses, or reads as a line break
 * even inside quotes (NEL, LS, PS), or that the `yaml` package would emit raw: C0 controls
 * other than tab and LF, DEL, C1 controls, BOM, U+FFFE/U+FFFF and lone surrogates. A string
 * holding one cannot reach the guest byte-identical, so it is refused at the door. CR too:
 * YAML readers fold a raw CR into a line break, and it hides text on a terminal.
 * (No `u` flag: lone surrogates are only visible to a UTF-16 regex.)
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTER = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first character of `text` that cannot travel through cloud-init's YAML, or undefined. */
export function unsafeCharacterIn(text: string): string | undefined {
  return UNSAFE_CHARACTER.exec(text)?.[0];
}

/** `U+0007` for messages: the character itself may be invisible. */
export function describeCharacter(character: string): string {
  return `U+${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

export const UNSAFE_CHARACTER_HINT = "control characters other than tab and newline, DEL, U+0080 to U+009F, U+2028, U+2029, U+FEFF, U+FFFE, U+FFFF";
