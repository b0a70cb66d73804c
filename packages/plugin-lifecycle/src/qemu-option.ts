/** QEMU splits option values on commas; a literal comma is written twice (as qemu-setup writes them). */
export function escapeOptionValue(value: string): string {
  return value.replace(/,/g, ",,");
}
