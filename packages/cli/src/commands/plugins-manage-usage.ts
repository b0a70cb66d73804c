export const addUsage = "vmforge plugins add NAME... [--kernel SPEC] [--dry-run] [--json]";
export const removeUsage = "vmforge plugins remove NAME... [--dry-run] [--json]";
