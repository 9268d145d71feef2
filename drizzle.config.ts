import { defineConfig } from 'drizzle-kit';

// Migrations are generated from lib/db/schema.ts and applied to DATABASE_URL by `npm run db:migrate`;
// the embedded PGlite default applies the same folder to itself on first start.
export default defineConfig({
  dialect: 'postgresql',
  schema: './lib/db/schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  strict: true,
  verbose: true,
});
