const TIMEZONE_NAME = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/;

/** Answered without Intl: its first use loads ICU's zone data, about 190 ms of a cold run. */
const ALWAYS_KNOWN = new Set(["UTC", "Etc/UTC", "GMT", "Etc/GMT", "Universal", "Zulu"]);

/** An IANA time zone name the ICU data of Node knows (UTC, Etc/UTC, Europe/Berlin). */
export function isKnownTimezone(name: string): boolean {
  if (ALWAYS_KNOWN.has(name)) return true;
  if (!TIMEZONE_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
