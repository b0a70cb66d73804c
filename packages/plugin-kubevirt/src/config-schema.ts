import { z } from "@vmforge/kernel/zod";

/*
 * The [kubevirt] table: strict (an unknown key is an error), every key optional. Names are the
 * Kubernetes object names they become, checked here so that a bad one is refused before any
 * stage with file, line and key.
 */

/** RFC 1123 subdomain: what Kubernetes accepts as a PersistentVolumeClaim or StorageClass name. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** RFC 1123 label: a namespace name. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const SUBDOMAIN_HINT = "a Kubernetes object name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters";

const subdomain = z.string().max(253, `must be ${SUBDOMAIN_HINT}`).regex(DNS_SUBDOMAIN, `must be ${SUBDOMAIN_HINT}`);

export const runStrategies = ["Always", "Halted", "Manual", "RerunOnFailure", "Once"] as const;

export const kubevirtTableSchema = z.strictObject({
  /** metadata.namespace of the VirtualMachine (and the Secret); absent: kubectl's current namespace. */
  namespace: z.string().max(63, "must be at most 63 characters").regex(DNS_LABEL, "must be a namespace name: lower-case letters, digits and '-', starting and ending with a letter or digit").optional(),
  /** spec.runStrategy; Halted: `kubectl apply` defines the VM, `virtctl start` boots it. */
  run_strategy: z.enum(runStrategies).default("Halted"),
  /** storageClassName of the DataVolumes vmforge writes; absent: the cluster's default class. */
  storage_class: subdomain.optional(),
  /** An existing PersistentVolumeClaim for a disk, by disk id (disk0 = the first [[disk]]). */
  claims: z.record(z.string().regex(/^disk(0|[1-9][0-9]*)$/, 'must be a disk id: "disk0" for the first [[disk]], "disk1" for the second...'), subdomain).default({}),
});

export type KubevirtTable = z.infer<typeof kubevirtTableSchema>;
