const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** 1.5 GiB, 730.2 MiB, 12.0 KiB, 512 B. */
export function bytesText(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(1)} GiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  if (bytes >= KiB) return `${(bytes / KiB).toFixed(1)} KiB`;
  return `${Math.round(bytes)} B`;
}

/** 1:05, 12:30, 1:02:03; undefined when not a sensible number. */
export function etaText(seconds: number | undefined): string | undefined {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0 || seconds > 360_000) return undefined;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export interface ByteProgress {
  current: number;
  total?: number;
  rate?: number;
  etaSeconds?: number;
}

/** `120.3 MiB of 730.0 MiB, 12.1 MiB/s, 0:50 left` (parts left out when unknown). */
export function byteProgressText(progress: ByteProgress): string {
  const parts = [progress.total ? `${bytesText(progress.current)} of ${bytesText(progress.total)}` : bytesText(progress.current)];
  if (progress.rate !== undefined && Number.isFinite(progress.rate) && progress.rate > 0) parts.push(`${bytesText(progress.rate)}/s`);
  const eta = etaText(progress.etaSeconds);
  if (eta) parts.push(`${eta} left`);
  return parts.join(", ");
}

/** The steps (quarters of the total, or every 256 MiB without one) a plain log reports a download at. */
export function byteProgressStep(current: number, total: number | undefined): number {
  return total ? Math.floor((Math.min(current, total) / total) * 4) : Math.floor(current / (256 * MiB));
}
