// The part of autocannon's (untyped, CommonJS) API the benchmark uses.
declare module 'autocannon' {
  interface Histogram {
    readonly min: number;
    readonly max: number;
    readonly average: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
  }
  interface Options {
    readonly url: string;
    readonly method?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly connections?: number;
    readonly duration?: number;
    readonly timeout?: number;
  }
  interface Result {
    readonly latency: Histogram;
    readonly requests: Histogram & { readonly total: number };
    readonly duration: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
    readonly '2xx': number;
    readonly start: Date;
    readonly finish: Date;
  }
  function autocannon(options: Options): Promise<Result>;
  export = autocannon;
}
