import type { Problem } from "@vmforge/kernel";

export interface Warning {
  code: string;
  text: string;
  fix?: string;
}

/** Where a host check puts what it finds: problems located at a key path, warnings for the person. */
export interface CheckReport {
  problem(code: string, path: PropertyKey[], message: string, extra?: Partial<Problem>): void;
  warn(warning: Warning): void;
  /** The TOML file's folder: relative paths start there. */
  readonly baseDir: string;
}
