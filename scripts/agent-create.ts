import './load-env';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { logAccess } from '@/lib/auth/access-log';
import { agentNameSchema, createAgent, emailSchema, findAgentByEmail, passwordSchema, roleSchema, updateAgent } from '@/lib/auth/agents';
import { getConfig } from '@/lib/config';
import { openDatabase } from '@/lib/db/client';

/**
 * `npm run agent:create -- --email you@example.com --role admin [--name "Ada"] [--update]
 *   [--password-stdin] [--app-stopped]`
 *
 * Creates an agent (or, with --update, changes an existing one's role, name and password) in the
 * configured database. The password is never a command-line argument (it would land in the shell's
 * history): it is asked for twice without echo, or read from the first line of stdin with
 * --password-stdin. With the embedded database (no DATABASE_URL) the app must not be running: two
 * processes must never open the same PGlite folder, so this asks first (or takes --app-stopped).
 */

const USAGE =
  'usage: npm run agent:create -- --email you@example.com --role admin|agent [--name NAME] [--update] [--password-stdin] [--app-stopped]';

const argsSchema = z.object({
  email: emailSchema,
  role: roleSchema,
  name: agentNameSchema.optional(),
  update: z.boolean(),
  passwordStdin: z.boolean(),
  appStopped: z.boolean(),
});

/** A refusal with a message for the operator; thrown so that the database is still closed. */
class CliError extends Error {}

function fail(message: string): never {
  throw new CliError(message);
}

/** Reads one line from the terminal without echoing it. */
function askHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    process.stdout.write(question);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    let value = '';
    const done = () => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stdout.write('\n');
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          done();
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          done();
          reject(new Error('cancelled'));
          return;
        }
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    input.on('data', onData);
  });
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await new Promise((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
  }
}

async function readStdinLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readStdinLine();
  if (!process.stdin.isTTY) fail('No terminal to ask for the password: pipe it in with --password-stdin.');
  const first = await askHidden('Password (at least 12 characters): ');
  const second = await askHidden('Password again: ');
  if (first !== second) fail('The two passwords differ; nothing was changed.');
  return first;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      update: { type: 'boolean', default: false },
      'password-stdin': { type: 'boolean', default: false },
      'app-stopped': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const parsed = argsSchema.safeParse({
    email: values.email,
    role: values.role,
    name: values.name,
    update: values.update,
    passwordStdin: values['password-stdin'],
    appStopped: values['app-stopped'],
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(`--${String(issue?.path[0] ?? '?')}: ${issue?.message ?? 'invalid'}\n${USAGE}`);
  }
  const args = parsed.data;

  const config = getConfig();
  if (config.database.kind === 'pglite' && !args.appStopped) {
    if (!process.stdin.isTTY || args.passwordStdin) {
      fail(`This writes to the embedded database in ${config.database.dir}. Stop the app first, then add --app-stopped.`);
    }
    const answer = await ask(`This writes to the embedded database in ${config.database.dir}.\nIs the Tether app stopped? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) fail('Stop the app (two processes must never open the same PGlite folder), then run this again.');
  }

  const password = passwordSchema.safeParse(await readPassword(args.passwordStdin));
  if (!password.success) fail(`Password: ${password.error.issues[0]?.message ?? 'invalid'}; nothing was changed.`);

  const handle = await openDatabase(config.database);
  try {
    const db = handle.db;
    // The access log names the operator account that ran the command.
    const actor = { id: null, email: `cli:${os.userInfo().username}@${os.hostname()}` };
    const existing = await findAgentByEmail(db, args.email);
    if (existing) {
      if (!args.update) fail(`${args.email} already exists (${existing.role}). Add --update to change its role and password.`);
      const outcome = await updateAgent(db, existing.id, {
        role: args.role,
        password: password.data,
        ...(args.name ? { name: args.name } : {}),
        disabled: false,
      });
      if (outcome.kind !== 'updated') fail(`Could not update ${args.email}: ${outcome.kind.replace('_', ' ')}.`);
      await logAccess(db, actor, 'agent_update', { detail: { agentId: existing.id, email: args.email, role: args.role, password: 'changed', via: 'cli' } });
      console.log(`Updated ${args.email}: role ${args.role}, new password.`);
      return;
    }
    const created = await createAgent(db, { email: args.email, name: args.name ?? null, role: args.role, password: password.data });
    if (!created) fail(`${args.email} was created by someone else just now; nothing was changed.`);
    await logAccess(db, actor, 'agent_create', { detail: { agentId: created.id, email: created.email, role: created.role, via: 'cli' } });
    console.log(`Created ${created.role} ${created.email}. Sign in at /admin.`);
  } catch (error) {
    if (/relation "agents" does not exist/.test(String(error instanceof Error && error.cause ? error.cause : error))) {
      fail('The agents table does not exist yet: run `npm run db:migrate` first.');
    }
    throw error;
  } finally {
    await handle.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof CliError ? error.message : error);
  process.exit(1);
});
