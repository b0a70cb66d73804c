/**
 * Host paths that identify a machine or its owner: MAC addresses, serial numbers, UUIDs.
 * A snapshot leaves them out unless asked, so it can be attached to a public bug report.
 */
const IDENTIFYING = [
  /^\/sys\/class\/net\/[^/]+\/(?:address|perm_addr|broadcast)$/,
  /^\/sys\/devices\/.*\/net\/[^/]+\/(?:address|perm_addr|broadcast)$/,
  /\/(?:serial|wwid|eui|nguid|uuid|vpd)$/,
  /^\/sys\/(?:class|devices\/virtual)\/dmi\/id\/(?:product_serial|board_serial|chassis_serial|product_uuid|board_asset_tag|chassis_asset_tag)$/,
  /^\/etc\/machine-id$/,
  /^\/var\/lib\/dbus\/machine-id$/,
  /^\/etc\/hostname$/,
];

export function isIdentifying(hostPath: string): boolean {
  return IDENTIFYING.some((pattern) => pattern.test(hostPath));
}
