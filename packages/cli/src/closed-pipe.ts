/**
 * `vmforge plan x.toml | head` closes our stdout early: stop quietly, as other Unix tools do,
 * instead of dying with an EPIPE stack trace.
 */
export function exitQuietlyOnClosedPipe(...streams: NodeJS.WriteStream[]): void {
  for (const stream of streams) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
}
