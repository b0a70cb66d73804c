/**
 * A local account's password as unattend.xml takes it with `<PlainText>false</PlainText>`:
 * base64 of the UTF-16LE text of the password followed by the word "Password". This is what
 * Windows System Image Manager writes ("hide sensitive data"); it hides the password from a
 * glance, it does not encrypt it.
 */
export function encodeAccountPassword(password: string): string {
  return Buffer.from(`${password}Password`, "utf16le").toString("base64");
}
