import { monotonicFactory } from 'ulidx';

const ulid = monotonicFactory();

/** Prefixed, time-sortable identifiers such as `evt_01J...`. */
export function newId(prefix: string): string {
  return `${prefix}_${ulid()}`;
}

export function hasPrefix(id: string, prefix: string): boolean {
  return id.startsWith(`${prefix}_`) && id.length === prefix.length + 27;
}
