/** A public key as sshd's authorized_keys takes it: optional options, a key type, base64. */
const PUBLIC_KEY = /(?:^|\s)(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com|ssh-(?:rsa|ed25519)-cert-v01@openssh\.com)\s+[A-Za-z0-9+/]+={0,3}(?:\s|$)/;

export const SSH_KEY_HINT = 'one line of an authorized_keys file: "ssh-ed25519 AAAA... comment" (a public key, never a private one)';

/** Why `line` is not a usable authorized_keys entry, or undefined when it is. */
export function sshKeyProblem(line: string): string | undefined {
  if (/[\r\n]/.test(line)) return "must be a single line (a newline would add a second authorized_keys entry)";
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.exec(line)?.[0];
  if (control) return `must not contain U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")} (a control character)`;
  if (line.includes("PRIVATE KEY")) return "is a private key; give the public key (the .pub file)";
  if (!PUBLIC_KEY.test(line)) return `is not a public key; expected ${SSH_KEY_HINT}`;
  return undefined;
}

/** The keys of an authorized_keys-style file: one a line; blank lines and # comments skipped. */
export function keysOfAuthorizedKeysText(text: string): Array<{ key: string; line: number }> {
  const keys: Array<{ key: string; line: number }> = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const key = raw.trim();
    if (key === "" || key.startsWith("#")) return;
    keys.push({ key, line: index + 1 });
  });
  return keys;
}
