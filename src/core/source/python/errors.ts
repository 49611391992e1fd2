/** A library call that raises TypeError in Python, thrown only inside a `try` body so an `except TypeError` can take over. */
export class PythonTypeError extends Error {
  override readonly name = 'PythonTypeError';
}
