#!/usr/bin/env node
// `npm run chaos -- --seeds 1..100`: random fault schedules over the fixture
// portals, real audits, wrong deductions counted (fixtures/chaos/main.ts).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
process.chdir(join(dirname(fileURLToPath(import.meta.url)), '..'));
await import('../fixtures/chaos/main.ts');
