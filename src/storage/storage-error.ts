import { SynodErrorCode, withCode } from '../error-codes.js';

/**
 * Errors of the disk itself (full, quota, I/O, read-only), as opposed to bugs or corruption. A role
 * that meets one keeps running: it holds back every reply that depends on what it could not write,
 * retries the write, and goes on once the disk takes writes again (see the actors). Clients hear of
 * it and fail their waiting appends with StorageFullError or StorageError.
 */
export const STORAGE_ERROR_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG']);

/** Whether `error` is the operating system's error for a disk that refuses writes (its `code` one of STORAGE_ERROR_CODES). */
export function isStorageError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && STORAGE_ERROR_CODES.has((error as NodeJS.ErrnoException).code!);
}

/**
 * The disk refused a write (EIO, EROFS, EFBIG, ...): the append may still commit once it takes
 * writes again. `code` is synod's (ERR_SYNOD_STORAGE, or ERR_SYNOD_STORAGE_FULL for the subclass);
 * the operating system's errno name is `systemCode` (what a Node system error has in `code`).
 */
export class StorageError extends Error {
  readonly code: typeof SynodErrorCode.Storage | typeof SynodErrorCode.StorageFull;
  readonly retryable = true;
  constructor(
    /** The errno name, e.g. 'EIO'. */
    readonly systemCode: string,
    /** The errno number (negative, as Node reports it), if known. */
    readonly errno: number | undefined,
    /** The file that could not be written, if known. */
    readonly path: string | undefined,
    message?: string,
    code: typeof SynodErrorCode.Storage | typeof SynodErrorCode.StorageFull = SynodErrorCode.Storage,
  ) {
    super(withCode(message ?? `storage write failed with ${systemCode}${path ? ` (${path})` : ''}; the append may still commit once writes succeed again`, code));
    this.name = 'StorageError';
    this.code = code;
  }
}

/** What an append that failed on a full disk may still do. */
const APPEND_MAY_COMMIT = 'the log resumes by itself once there is room, and this append may still commit then';

/** The disk is full (ENOSPC, EDQUOT): the log resumes by itself once there is room; the append (or trim: see `consequence`) may still take effect then. */
export class StorageFullError extends StorageError {
  constructor(systemCode: string, errno: number | undefined, path: string | undefined, consequence: string = APPEND_MAY_COMMIT) {
    super(systemCode, errno, path, `storage is full (${systemCode}${path ? `, ${path}` : ''}); ${consequence}`, SynodErrorCode.StorageFull);
    this.name = 'StorageFullError';
  }
}

/** Whether a system error code means "no room" (a full disk or quota, or memoryBytesMax in memory) rather than a failing disk. */
export function isStorageFullCode(systemCode: string): boolean {
  return systemCode === 'ENOSPC' || systemCode === 'EDQUOT';
}

/** A disk error as a role reports it to clients (StorageFailure, TrimReply): errno name, number (0 if unknown), file ('' if unknown). */
export interface ReportedStorageFailure {
  readonly code: string;
  readonly errno: number;
  readonly path: string;
}

/** What a role reports of a disk error it met. */
export function reportStorageFailure(error: NodeJS.ErrnoException & { code: string }): ReportedStorageFailure {
  return { code: error.code, errno: typeof error.errno === 'number' ? error.errno : 0, path: typeof error.path === 'string' ? error.path : '' };
}

/** The client-side error for a reported failure (its unknown errno and file left out); `consequence` as for storageErrorOf. */
export function storageErrorOfReport(report: ReportedStorageFailure, consequence?: string): StorageError {
  return storageErrorOf(report.code, report.errno === 0 ? undefined : report.errno, report.path === '' ? undefined : report.path, consequence);
}

/** The client-side error for a storage failure a role reported; `consequence` says what the operation may still do (an append's, by default). */
export function storageErrorOf(systemCode: string, errno: number | undefined, path: string | undefined, consequence?: string): StorageError {
  if (isStorageFullCode(systemCode)) return new StorageFullError(systemCode, errno, path, consequence);
  return consequence === undefined
    ? new StorageError(systemCode, errno, path)
    : new StorageError(systemCode, errno, path, `storage write failed with ${systemCode}${path ? ` (${path})` : ''}; ${consequence}`);
}
