// The options and help of `warmpath eval`, apart from its run (eval.ts), so the CLI can
// print help and parse a command line without loading the providers and the judge.

export const evalOptions = {
  prompts: { type: 'string' },
  workload: { type: 'string' },
  concurrency: { type: 'string' },
  seed: { type: 'string' },
  'max-failures': { type: 'string' },
} as const;

export const evalHelp = `Options of \`warmpath eval\` (offline parity on a prompt set; exit 0 pass, 1 fail):
  --prompts FILE         JSON Lines, one chat completion request per line; its "model" names
                         the workload (as with the router), unless --workload is given
  --workload NAME        evaluate every prompt against this workload
  --concurrency N        upstream calls in flight at once (default 4)
  --seed N               seed of the judge's pair sampling (default 1)
  --max-failures N       failing pairs listed per route (default 10)
  --json                 print the reports as JSON
`;
