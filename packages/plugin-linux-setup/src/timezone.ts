const TIMEZONE_NAME = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/;

/** An IANA time zone name the ICU data of Node knows (UTC, Etc/UTC, Europe/Berlin). */
export function isKnownTimezone(name: string): boolean {
  if (!TIMEZONE_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
