// ECMA-119 7.2 and 7.3: numbers are stored little-endian, big-endian, or both in a row.

export function writeUint16LE(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value & 0xff;
  target[offset + 1] = (value >>> 8) & 0xff;
}

export function writeUint16BE(target: Uint8Array, offset: number, value: number): void {
  target[offset] = (value >>> 8) & 0xff;
  target[offset + 1] = value & 0xff;
}

export function writeUint32LE(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value & 0xff;
  target[offset + 1] = (value >>> 8) & 0xff;
  target[offset + 2] = (value >>> 16) & 0xff;
  target[offset + 3] = (value >>> 24) & 0xff;
}

export function writeUint32BE(target: Uint8Array, offset: number, value: number): void {
  target[offset] = (value >>> 24) & 0xff;
  target[offset + 1] = (value >>> 16) & 0xff;
  target[offset + 2] = (value >>> 8) & 0xff;
  target[offset + 3] = value & 0xff;
}

/** ECMA-119 7.2.3: 16-bit both-byte orders, 4 bytes. */
export function writeUint16Both(target: Uint8Array, offset: number, value: number): void {
  writeUint16LE(target, offset, value);
  writeUint16BE(target, offset + 2, value);
}

/** ECMA-119 7.3.3: 32-bit both-byte orders, 8 bytes. */
export function writeUint32Both(target: Uint8Array, offset: number, value: number): void {
  writeUint32LE(target, offset, value);
  writeUint32BE(target, offset + 4, value);
}
