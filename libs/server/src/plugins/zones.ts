// Zone membership, as every plugin that serves some zones tests it.

/** Is `name` the zone itself or below it? Both lowercase, no trailing dot ('.' is the root). */
export function inZone(name: string, zone: string): boolean {
  return zone === '.' || name === zone || name.endsWith(`.${zone}`);
}
