/** GPU passthrough verdicts, worst first: a GPU's verdict is the worst that applies. Kept free of zod for the check path. */
export const GPU_VERDICTS = ["iommu-off", "blocked", "host-gpu", "synthetic-isolation", "needs-group", "ready"] as const;
