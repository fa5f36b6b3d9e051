// Reading one series out of a Prometheus /metrics text, for tests.

/** The value of the first `name` series carrying every label in `labels`, or undefined. */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const line = text
    .split('\n')
    .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

/** A counter's value; a series not exported yet counts 0. */
export function counter(text: string, name: string, labels: Readonly<Record<string, string>>): number {
  return metricValue(text, name, labels) ?? 0;
}
