/**
 * Errors of the disk itself (full, quota, I/O, read-only), as opposed to bugs or corruption. A role
 * that meets one keeps running: it holds back every reply that depends on what it could not write,
 * retries the write, and goes on once the disk takes writes again (see the actors). Clients hear of
 * it and fail their waiting appends with StorageFullError or StorageError.
 */
export const STORAGE_ERROR_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG']);

export function isStorageError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && STORAGE_ERROR_CODES.has((error as NodeJS.ErrnoException).code!);
}

/** The disk refused a write (EIO, EROFS, EFBIG, ...): the append may still commit once it takes writes again. */
export class StorageError extends Error {
  readonly retryable = true;
  constructor(
    /** The errno name, e.g. 'EIO'. */
    readonly code: string,
    /** The errno number (negative, as Node reports it), if known. */
    readonly errno: number | undefined,
    /** The file that could not be written, if known. */
    readonly path: string | undefined,
    message?: string,
  ) {
    super(message ?? `storage write failed with ${code}${path ? ` (${path})` : ''}; the append may still commit once writes succeed again`);
    this.name = 'StorageError';
  }
}

/** The disk is full (ENOSPC, EDQUOT): the log resumes by itself once there is room; the append may still commit then. */
export class StorageFullError extends StorageError {
  constructor(code: string, errno: number | undefined, path: string | undefined) {
    super(code, errno, path, `storage is full (${code}${path ? `, ${path}` : ''}); the log resumes by itself once there is room, and this append may still commit then`);
    this.name = 'StorageFullError';
  }
}

/** The client-side error for a storage failure a role reported. */
export function storageErrorOf(code: string, errno: number | undefined, path: string | undefined): StorageError {
  return code === 'ENOSPC' || code === 'EDQUOT' ? new StorageFullError(code, errno, path) : new StorageError(code, errno, path);
}
