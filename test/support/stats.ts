// Suite-wide counters (helm renders, property cases, corpus files). Each worker counts in its own module
// instance; test/support/stats-setup.ts writes them out (and zeroes them) after each file, and
// test/support/stats-global.ts adds them up and prints the totals when the run ends.
export const counters: Record<string, number> = {};

export function bump(name: string, n = 1): void {
  counters[name] = (counters[name] ?? 0) + n;
}
