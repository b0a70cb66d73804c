import type { TestProject } from "vitest/node";
import { cachedGuestImage, type GuestImage } from "./guest-image.js";
import { imageBuildRequirement } from "./requirements.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The guest image (built or from the cache), or null when this machine cannot build it (the tests skip). */
    guestImage: GuestImage | null;
  }
}

/** The guest image once for every test: built if the recipe changed, else taken from the cache. */
export default async function setup(project: TestProject): Promise<void> {
  if (!imageBuildRequirement().met) {
    project.provide("guestImage", null);
    return;
  }
  const image = await cachedGuestImage((line) => process.stdout.write(`[boot] ${line}\n`));
  process.stdout.write(
    `[boot] guest image ${image.path} (${(image.bytes / 2 ** 20).toFixed(0)} MiB): ${image.built ? "built" : "from the cache"} in ${image.seconds.toFixed(1)} s\n`,
  );
  project.provide("guestImage", image);
}
