// Where the alert rules go in Grafana unless `warmpath dashboards` is told otherwise. Kept
// apart from the builders: the CLI's help shows these defaults, and it should not load the
// Grafana SDK to do so.

import type { AlertTarget } from './alerts.ts';

export const defaultAlertTarget: AlertTarget = {
  datasourceUid: 'warmpath-clickhouse',
  folderUid: 'warmpath',
  folderTitle: 'warmpath',
  ruleGroup: 'warmpath',
};
