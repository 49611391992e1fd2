/**
 * The part of jsfive (usnistgov/jsfive, a pure-JS HDF5 reader after pyfive; it ships no types) that
 * hdf5.ts uses. `_dataobjects` is jsfive's header reader, used to locate a dataset's storage without
 * reading its values.
 */
declare module 'jsfive' {
  export type AttrValue = string | number | bigint | boolean | null | undefined | AttrValue[] | { [k: string]: AttrValue };

  interface DataObjects {
    readonly offset: number;
    find_msg_type(type: number): Map<string, number>[];
    /** `[version, dims, layoutClass, propertyOffset]` of the data layout message at `msgOffset`. */
    _get_data_message_properties(msgOffset: number): [number, number | undefined, number, number];
  }

  export class Group {
    readonly name: string;
    readonly keys: string[];
    readonly attrs: Record<string, AttrValue>;
    readonly _dataobjects: DataObjects;
    /** Link name → object header address (hard link) or target path (soft link). */
    readonly _links: Record<string, number | string>;
    get(path: string): Group | Dataset | null;
  }

  export class Dataset {
    readonly name: string;
    readonly shape: number[];
    /** numpy-style (`<f4`, `<i8`, `S12`) or, for compound and variable-length types, an array. */
    readonly dtype: string | unknown[];
    readonly value: ArrayLike<number>;
    readonly attrs: Record<string, AttrValue>;
    readonly _dataobjects: DataObjects;
  }

  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
}
