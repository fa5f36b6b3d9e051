// What Grafana and grafana-clickhouse-datasource (v4.20) do to a query's rawSql before
// ClickHouse sees it, in their order, so tests can run the generated SQL on the engine:
// 1. browser: `$__conditionalAll(cond, $var)` → `1=1` when $var is All or empty, else cond
//    (dashboards only; alert rules skip this and step 2);
// 2. browser: dashboard variables (`$var`, `${var}`, `${var:singlequote}`; a multi-value or
//    All value becomes `'a','b'`);
// 3. backend: time macros for the query's range and interval.
// The rules are the plugin's as listed in ../shared/facts.md ("Grafana").

export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
  /** The query's interval (Grafana's `intervalMs`). */
  readonly intervalMs: number;
}

/** A dashboard variable's current value: a list, or All (every option). */
export type VariableValue = { readonly all: true; readonly options: readonly string[] } | { readonly all: false; readonly values: readonly string[] };

export type Variables = Readonly<Record<string, VariableValue>>;

/** The arguments of the call whose `(` is at `open`, split at top-level commas. */
function macroArgs(sql: string, open: number): { args: string[]; end: number } | undefined {
  let depth = 0;
  let start = open + 1;
  const args: string[] = [];
  for (let i = open; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (ch === ',' && depth === 1) {
      args.push(sql.slice(start, i));
      start = i + 1;
    }
    if (depth === 0) {
      args.push(sql.slice(start, i));
      return { args, end: i + 1 };
    }
  }
  return undefined;
}

/** The plugin's applyConditionalAll: innermost-last first, by the variable named in arg 2. */
export function applyConditionalAll(sql: string, variables: Variables): string {
  const macro = '$__conditionalAll(';
  let at = sql.lastIndexOf(macro);
  while (at !== -1) {
    const call = macroArgs(sql, at + macro.length - 1);
    if (call === undefined || call.args.length !== 2) return sql;
    const [cond, varArg] = call.args as [string, string];
    const name = /(?<=\$\{)\w+(?=\})|(?<=\$)\w+/.exec(varArg.trim())?.[0];
    const value = name === undefined ? undefined : variables[name];
    const empty = value !== undefined && (value.all || value.values.length === 0 || value.values.join('') === '');
    sql = sql.slice(0, at) + (empty ? '1=1' : cond) + sql.slice(call.end);
    at = sql.lastIndexOf(macro);
  }
  return sql;
}

const quote = (v: string): string => `'${v.replace(/'/g, "\\'")}'`;

/** Grafana's templateSrv.replace with the plugin's default format (arrays → 'a','b'). */
export function interpolateVariables(sql: string, variables: Variables): string {
  return sql.replace(/\$(\w+)|\$\{(\w+)(?::(\w+))?\}/g, (match, bare: string | undefined, braced: string | undefined, format: string | undefined) => {
    const name = (bare ?? braced) as string;
    const value = variables[name];
    if (value === undefined) return match; // not a variable: macros like $__timeFilter stay
    const values = value.all ? value.options : value.values;
    if (format === undefined) return values.length === 1 && !value.all ? (values[0] as string) : values.map(quote).join(',');
    if (format === 'singlequote') return values.map(quote).join(',');
    if (format === 'csv') return values.join(',');
    throw new Error(`variable format ${format} is not emulated`);
  });
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** The backend's time macros (pkg/macros/macros.go), longest names first. */
export function expandTimeMacros(sql: string, range: TimeRange): string {
  const intervalS = String(Math.max(Math.floor(range.intervalMs / 1000), 1));
  const withArg: Readonly<Record<string, (column: string) => string>> = {
    timeFilter_ms: (c) => `${c} >= fromUnixTimestamp64Milli(${range.fromMs}) AND ${c} <= fromUnixTimestamp64Milli(${range.toMs})`,
    timeFilter: (c) => `${c} >= toDateTime(${seconds(range.fromMs)}) AND ${c} <= toDateTime(${seconds(range.toMs)})`,
    timeInterval: (c) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${intervalS} second)`,
  };
  const plain: Readonly<Record<string, string>> = {
    fromTime: `toDateTime(${seconds(range.fromMs)})`,
    toTime: `toDateTime(${seconds(range.toMs)})`,
    interval_s: intervalS,
  };
  const macro = /\$__(\w+)/g;
  let out = '';
  let last = 0;
  for (let m = macro.exec(sql); m !== null; m = macro.exec(sql)) {
    const name = m[1] as string;
    const after = m.index + m[0].length;
    const fn = withArg[name];
    if (fn !== undefined) {
      const call = sql[after] === '(' ? macroArgs(sql, after) : undefined;
      if (call === undefined || call.args.length !== 1) throw new Error(`$__${name} takes one argument`);
      out += sql.slice(last, m.index) + fn((call.args[0] as string).trim());
      last = call.end;
      macro.lastIndex = call.end;
    } else if (plain[name] !== undefined) {
      out += sql.slice(last, m.index) + plain[name];
      last = after;
    }
  }
  return out + sql.slice(last);
}

/** A dashboard query as ClickHouse receives it. */
export function expandDashboardQuery(sql: string, variables: Variables, range: TimeRange): string {
  return expandTimeMacros(interpolateVariables(applyConditionalAll(sql, variables), variables), range);
}

/** An alert query as ClickHouse receives it: no variables, no conditionalAll. */
export function expandAlertQuery(sql: string, range: TimeRange): string {
  return expandTimeMacros(sql, range);
}
