import { posix } from "node:path";
import type { HostSource } from "@vmforge/kernel";
import { FolderWriter } from "./folder-writer.js";
import type { SshSession } from "./ssh-session.js";

/**
 * Fills a host root folder from a remote host as the host root reads it: each entry once, its
 * kind (and a folder's names, a link's target) on first lookup, a file's content only when it
 * is read; a check that only asks whether `/usr/bin/qemu-system-x86_64` exists copies no binary.
 */
export class SshHostSource implements HostSource {
  readonly #entries = new Map<string, Promise<string>>();
  readonly #contents = new Map<string, Promise<void>>();
  readonly #writer: FolderWriter;

  constructor(
    private readonly session: SshSession,
    folder: string,
  ) {
    this.#writer = new FolderWriter(folder);
  }

  materialize(hostPath: string): Promise<void> {
    return this.#entry(hostPath).then(() => undefined);
  }

  /** The entry's kind, after it is in the folder. */
  #entry(hostPath: string): Promise<string> {
    let entry = this.#entries.get(hostPath);
    if (!entry) {
      entry = this.session.request("S", hostPath).then((reply) => {
        switch (reply.kind) {
          case "link":
            this.#writer.link(hostPath, reply.target);
            break;
          case "dir": {
            const kinds = new Map(reply.entries.map((entry) => [entry.name, entry.kind]));
            for (const name of this.#writer.folder(hostPath, [...kinds.keys()])) {
              // Files and devices are known from the listing; folders and links still need asking.
              const kind = kinds.get(name);
              if (kind !== "file" && kind !== "other") continue;
              const child = posix.join(hostPath, name);
              this.#writer.keep(child);
              this.#entries.set(child, Promise.resolve(kind));
            }
            break;
          }
          case "file":
          case "block":
          case "other":
            this.#writer.file(hostPath);
            break;
          default:
            this.#writer.absent(hostPath);
        }
        return reply.kind;
      });
      this.#entries.set(hostPath, entry);
    }
    return entry;
  }

  /** A regular file's bytes, fetched once; a host root calls this before it reads the file. */
  materializeContent(hostPath: string): Promise<void> {
    let content = this.#contents.get(hostPath);
    if (!content) {
      content = this.#entry(hostPath).then(async (kind) => {
        if (kind !== "file") return;
        const reply = await this.session.request("C", hostPath);
        if (reply.kind === "content") this.#writer.content(hostPath, reply.bytes);
        else this.#writer.absent(hostPath);
      });
      this.#contents.set(hostPath, content);
    }
    return content;
  }
}
