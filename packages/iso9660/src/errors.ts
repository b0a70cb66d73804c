/** Every problem `buildIso` reports carries one of these stable codes. */
export type IsoErrorCode =
  | "ISO_BAD_OPTIONS"
  | "ISO_BAD_VOLUME_ID"
  | "ISO_BAD_IDENTIFIER"
  | "ISO_BAD_SOURCE_DATE_EPOCH"
  | "ISO_BAD_LEVEL"
  | "ISO_BAD_PADDING"
  | "ISO_BAD_PATH"
  | "ISO_DOT_SEGMENT"
  | "ISO_ILLEGAL_CHARACTER"
  | "ISO_NAME_TOO_LONG"
  | "ISO_DUPLICATE_PATH"
  | "ISO_PATH_CONFLICT"
  | "ISO_TOO_DEEP"
  | "ISO_BAD_MODE"
  | "ISO_BAD_DATA"
  | "ISO_FILE_TOO_LARGE"
  | "ISO_IMAGE_TOO_LARGE";

export class IsoError extends Error {
  override readonly name = "IsoError";
  readonly code: IsoErrorCode;
  /** The input path the problem is about, when there is one. */
  readonly path: string | undefined;

  constructor(code: IsoErrorCode, message: string, path?: string) {
    super(message);
    this.code = code;
    this.path = path;
  }
}
