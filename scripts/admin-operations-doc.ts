/**
 * Writes the table of fleet.v1.Admin's RPCs into docs/security.md from ADMIN_OPERATIONS.
 *
 * Run: npm run docs:admin   (from the sources). test/core/server/admin/admin-service.test.ts fails
 * when the file no longer matches the table.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withAdminTable } from './admin-operations-markdown.js';

const target = fileURLToPath(new URL('../docs/security.md', import.meta.url));
writeFileSync(target, withAdminTable(readFileSync(target, 'utf8')));
console.log(`wrote the Admin table of ${target}`);
