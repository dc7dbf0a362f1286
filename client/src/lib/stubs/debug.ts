/**
 * Stand-in for the `debug` package in the browser bundle: simple-peer logs through it, and
 * its browser build costs ~1.5 kB gzipped on the customer page for output nobody reads.
 */
type DebugFn = ((...args: unknown[]) => void) & { enabled: boolean; extend: (ns: string) => DebugFn };

export default function debug(): DebugFn {
  const fn = (() => {}) as DebugFn;
  fn.enabled = false;
  fn.extend = () => debug();
  return fn;
}
