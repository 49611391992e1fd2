/** Codes a surface can branch on; the message is already fit to show a user on one line. */
export type SeLensErrorCode =
  | 'not-onnx'
  | 'truncated'
  | 'corrupt'
  | 'refused-path'
  | 'missing-file'
  | 'too-large'
  | 'bad-argument'
  | 'unsupported';

/** The one error class the core throws. Partial results (unknown ops, unreadable lines) are data, not errors. */
export class SeLensError extends Error {
  constructor(readonly code: SeLensErrorCode, message: string) {
    super(message);
    this.name = 'SeLensError';
  }
}

export function isSeLensError(e: unknown): e is SeLensError {
  return e instanceof SeLensError;
}
