// One fast-check seed per run: fixed under CI (reproducible), random locally (more ground covered over time);
// printed either way so a failure can be replayed with FC_SEED=<seed>.
export function fcSeed(name: string): number {
  const seed = process.env.FC_SEED
    ? Number(process.env.FC_SEED)
    : process.env.CI
      ? 20261129
      : Math.floor(Math.random() * 2 ** 31);
  console.log(`${name}: fast-check seed ${seed} (replay with FC_SEED=${seed})`);
  return seed;
}
