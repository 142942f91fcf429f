// Command-line reading shared by the bench and fuzz scripts.

/** `option(name, fallback)`: the value after `name` in `args`, or `fallback` when it is absent or last. */
export function optionReader(args) {
  return (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
  };
}
