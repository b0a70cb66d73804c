/** "2222:22" -> ["tcp", "2222", "22"]; "udp:5353:53" -> ["udp", "5353", "53"]. */
export function normalizeForward(rule: string): [protocol: "tcp" | "udp", hostPort: string, guestPort: string] {
  const parts = rule.split(":");
  const [hostPort, guestPort] = parts.slice(-2) as [string, string];
  return [(parts.length === 3 ? parts[0] : "tcp") as "tcp" | "udp", hostPort, guestPort];
}
