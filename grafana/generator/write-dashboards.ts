// `npm run dashboards`: writes grafana/dashboards/*.json from the TypeScript definitions.
import { writeFileSync } from 'node:fs';
import { dashboardFiles } from './dashboard-files.ts';

const directory = new URL('../dashboards/', import.meta.url);
for (const file of dashboardFiles()) {
  writeFileSync(new URL(file.fileName, directory), file.text);
  console.log(`wrote grafana/dashboards/${file.fileName}`);
}
