const BINARY_UNITS: ReadonlyArray<[string, number]> = [
  ["Ti", 2 ** 40],
  ["Gi", 2 ** 30],
  ["Mi", 2 ** 20],
  ["Ki", 2 ** 10],
];

/** Bytes as a Kubernetes quantity in the largest binary unit that divides them (2 GiB: "2Gi"); plain bytes otherwise. */
export function binaryQuantity(bytes: number): string {
  for (const [unit, size] of BINARY_UNITS) if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}
