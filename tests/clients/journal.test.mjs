// The journal side of the gateway, end to end, through the official MCP
// TypeScript SDK client (v1): every journal tool (happy path and bad input),
// protocol errors, resources (list/paginate/read/subscribe/complete), the
// suggest_tags prompt, logging, elicitation before deletes, a rendered video
// read back as a resource, and two gateways sharing one database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import {
  CallToolResultSchema,
  ElicitRequestSchema,
  EmptyResultSchema,
  LoggingMessageNotificationSchema,
  McpError,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';

import { binDir, gatewayBin, startRenderer } from './renderer.mjs';


// Every wait below is bounded by one of these and fails the test when hit.
const WAIT_MS = 15000;
const RENDER_MS = 90000;

const JOURNAL_TOOLS = [
  'create_entry', 'get_entry', 'list_entries', 'update_entry', 'delete_entry',
  'create_tag', 'get_tag', 'list_tags', 'update_tag', 'delete_tag',
  'add_tag_to_entry', 'remove_tag_from_entry',
];
const RESOURCE_NOT_FOUND = -32002;
const INVALID_PARAMS = -32602;
const METHOD_NOT_FOUND = -32601;
// A private entry's title: counted by the video, never shown in it.
const SECRET_TITLE = 'Quokka-7731 secret diary page';

let renderer;
let target;
let workDir;
let dbPath;
let main;       // { client, inbox } without elicitation, on dbPath
const opened = []; // every session, closed in after()
// Each tool's outputSchema, compiled: results are checked here as well as by
// the SDK client (which validates once listTools has run).
const ajv = new AjvJsonSchemaValidator();
const outputValidators = new Map();

// ---- helpers ---------------------------------------------------------------

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Records the server's notifications and lets a test await one.
class Inbox {
  constructor(client) {
    this.items = [];
    this.waiters = [];
    const record = (n) => {
      this.items.push(n);
      for (const w of [...this.waiters]) {
        if (w.pred(n)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(n);
        }
      }
    };
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, record);
    client.setNotificationHandler(ResourceListChangedNotificationSchema, record);
    client.setNotificationHandler(LoggingMessageNotificationSchema, record);
  }

  mark() { return this.items.length; }

  since(mark, pred = () => true) { return this.items.slice(mark).filter(pred); }

  // The first notification at or after `mark` that matches.
  waitFor(mark, pred, what, ms = WAIT_MS) {
    const seen = this.items.slice(mark).find(pred);
    if (seen) return Promise.resolve(seen);
    let waiter;
    const p = new Promise((resolve) => {
      waiter = { pred, resolve };
      this.waiters.push(waiter);
    });
    return withTimeout(p, ms, `notification: ${what}`).finally(() => {
      const i = this.waiters.indexOf(waiter);
      if (i >= 0) this.waiters.splice(i, 1);
    });
  }
}

const isUpdated = (uri) => (n) => n.method === 'notifications/resources/updated' && n.params.uri === uri;
const isListChanged = (n) => n.method === 'notifications/resources/list_changed';
const isLog = (n) => n.method === 'notifications/message';


// A gateway on `db` and an SDK client connected to it, with tools listed (so
// the client validates structuredContent against each outputSchema).
async function connect(db, { name = 'journal-test', capabilities } = {}) {
  const client = new Client({ name, version: '1.0.0' },
    capabilities ? { capabilities } : undefined);
  const inbox = new Inbox(client);
  const transport = new StdioClientTransport({
    command: gatewayBin,
    args: [`--db=${db}`, `--renderer=${target}`, '--display_name=Journal'],
    stderr: 'pipe',
  });
  // Drain the gateway's log so it never blocks on a full pipe; keep the tail.
  let log = '';
  transport.stderr?.on('data', (d) => { log = (log + d.toString()).slice(-20000); });
  const session = { client, inbox, log: () => log };
  opened.push(session);
  await withTimeout(client.connect(transport), WAIT_MS, 'connect');
  const { tools } = await client.listTools();
  assert.ok(tools.length >= JOURNAL_TOOLS.length);
  for (const t of tools) {
    if (t.outputSchema) outputValidators.set(t.name, ajv.getValidator(t.outputSchema));
  }
  return session;
}

const textOf = (r) => r.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

async function call(client, name, args) {
  return client.callTool({ name, arguments: args }, CallToolResultSchema, { timeout: WAIT_MS });
}

// A successful call with structuredContent (validated by the SDK).
async function ok(client, name, args) {
  const r = await call(client, name, args);
  assert.equal(r.isError, false, `${name}(${JSON.stringify(args)}) failed: ${textOf(r)}`);
  assert.ok(r.structuredContent, `${name} returned no structuredContent`);
  const check = outputValidators.get(name)(r.structuredContent);
  assert.ok(check.valid, `${name} structuredContent vs outputSchema: ${check.errorMessage}`);
  return r;
}

// A failed call whose message names what to fix.
async function bad(client, name, args, pattern) {
  const r = await call(client, name, args);
  assert.equal(r.isError, true, `${name}(${JSON.stringify(args)}) should fail: ${textOf(r)}`);
  assert.match(textOf(r), pattern, `${name}(${JSON.stringify(args)})`);
  return r;
}

async function rejectsWith(promise, code, pattern, what) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof McpError, `${what}: expected McpError, got ${e}`);
    assert.equal(e.code, code, `${what}: ${e.message}`);
    if (pattern) assert.match(e.message, pattern, what);
    return true;
  }, what);
}

async function allEntries(client, args = {}) {
  const out = [];
  let cursor;
  for (let page = 0; page < 100; page++) {
    const r = await ok(client, 'list_entries', { ...args, limit: 37, ...(cursor ? { cursor } : {}) });
    out.push(...r.structuredContent.entries);
    cursor = r.structuredContent.nextCursor;
    if (!cursor) return out;
  }
  assert.fail('list_entries never stopped paging');
}

async function allResources(client) {
  const out = [];
  let cursor;
  let pages = 0;
  do {
    const r = await client.listResources(cursor ? { cursor } : {});
    out.push(...r.resources);
    cursor = r.nextCursor;
    assert.ok(++pages < 100, 'resources/list never stopped paging');
  } while (cursor);
  return { resources: out, pages };
}

function assertEntryShape(e) {
  assert.equal(typeof e.id, 'number');
  for (const k of ['title', 'content', 'date', 'createdAt', 'updatedAt']) {
    assert.equal(typeof e[k], 'string', k);
  }
  assert.match(e.date, /^\d{4}-\d{2}-\d{2}$/);
  assert.ok(Array.isArray(e.tags));
  assert.equal(typeof e.isPrivate, 'boolean');
  assert.equal(typeof e.isFavorite, 'boolean');
  assert.equal(typeof e.wordCount, 'number');
}

// ---- setup -----------------------------------------------------------------

before(async () => {
  ({ child: renderer, target } = await startRenderer());
  workDir = mkdtempSync(join(tmpdir(), 'stopframe-journal-'));
  dbPath = join(workDir, 'journal.db');
  main = await connect(dbPath, { name: 'journal-main' });
  for (const [i, mood] of ['happy', 'calm', 'happy'].entries()) {
    await ok(main.client, 'create_entry', {
      title: `Spring day ${i}`, content: 'words for the wrapped video', mood,
      tags: ['spring'], date: `2025-03-0${i + 1}`,
    });
  }
  // A favorite and the year's longest entry, so that it would be a highlight.
  const secret = await ok(main.client, 'create_entry', {
    title: SECRET_TITLE, content: 'nobody should see this in a video '.repeat(40),
    isPrivate: true, isFavorite: true, date: '2025-04-01',
  });
  assert.equal(secret.structuredContent.isPrivate, true);
});

after(async () => {
  for (const s of opened) await s.client.close().catch(() => {});
  renderer?.kill('SIGTERM');
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

// ---- tools/list ------------------------------------------------------------

test('tools/list: every tool has a title, schemas and full annotations', async () => {
  const { tools } = await main.client.listTools();
  const names = tools.map((t) => t.name);
  for (const n of [...JOURNAL_TOOLS, 'create_wrapped_video']) {
    assert.ok(names.includes(n), `missing tool ${n}`);
  }
  assert.equal(new Set(names).size, names.length, 'duplicate tool names');
  for (const t of tools) {
    assert.equal(typeof t.title, 'string', `${t.name}.title`);
    assert.ok(t.title.length > 0, `${t.name}.title`);
    assert.equal(t.inputSchema.type, 'object', `${t.name}.inputSchema`);
    assert.equal(t.outputSchema?.type, 'object', `${t.name}.outputSchema`);
    // Both schemas compile as JSON Schema.
    assert.doesNotThrow(() => ajv.getValidator(t.inputSchema), `${t.name}.inputSchema compiles`);
    assert.doesNotThrow(() => ajv.getValidator(t.outputSchema), `${t.name}.outputSchema compiles`);
    assert.equal(typeof t.description, 'string', `${t.name}.description`);
    const a = t.annotations;
    assert.ok(a, `${t.name}.annotations`);
    for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) {
      assert.equal(typeof a[hint], 'boolean', `${t.name}.annotations.${hint}`);
    }
    assert.equal(a.openWorldHint, false, `${t.name} is closed-world`);
  }
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
  for (const n of ['get_entry', 'list_entries', 'get_tag', 'list_tags']) {
    assert.equal(byName[n].annotations.readOnlyHint, true, `${n} is read-only`);
    assert.equal(byName[n].annotations.destructiveHint, false, `${n}`);
  }
  for (const n of ['delete_entry', 'delete_tag', 'update_entry', 'update_tag', 'remove_tag_from_entry']) {
    assert.equal(byName[n].annotations.readOnlyHint, false, n);
    assert.equal(byName[n].annotations.destructiveHint, true, `${n} is destructive`);
  }
  assert.deepEqual(byName.create_entry.inputSchema.required.sort(), ['content', 'title']);
  assert.deepEqual(byName.get_entry.inputSchema.required, ['id']);
  assert.deepEqual(byName.add_tag_to_entry.inputSchema.required.sort(), ['entryId', 'tagId']);
});

// ---- entry tools -----------------------------------------------------------

test('create_entry: stores every field; bad input names the field', async () => {
  const { client } = main;
  const r = await ok(client, 'create_entry', {
    title: 'Harbour walk', content: 'Cold wind, warm coffee, three boats',
    mood: 'content', location: 'Hamburg', weather: 'windy',
    tags: ['Travel', 'food', 'travel'], isFavorite: true, date: '2025-05-04',
  });
  const e = r.structuredContent;
  assertEntryShape(e);
  assert.equal(e.title, 'Harbour walk');
  assert.equal(e.mood, 'content');
  assert.equal(e.location, 'Hamburg');
  assert.equal(e.weather, 'windy');
  assert.equal(e.isFavorite, true);
  assert.equal(e.isPrivate, false);
  assert.equal(e.date, '2025-05-04');
  assert.equal(e.wordCount, 6);
  assert.deepEqual(e.tags, ['food', 'Travel'], 'tags deduplicated ignoring case, sorted ignoring case');
  assert.match(textOf(r), new RegExp(`Created entry ${e.id}`));

  // Defaults: no date means today (UTC); optional text fields are null.
  const plain = (await ok(client, 'create_entry', { title: 'Plain', content: '' })).structuredContent;
  assert.equal(plain.date, new Date().toISOString().slice(0, 10));
  assert.equal(plain.mood, null);
  assert.deepEqual(plain.tags, []);

  await bad(client, 'create_entry', { content: 'no title' }, /`title` is required/);
  await bad(client, 'create_entry', { title: 42, content: 'x' }, /`title` must be a string/);
  await bad(client, 'create_entry', { title: 'x', content: 'x', date: '2025-02-30' },
    /`date`.*not a real calendar date.*YYYY-MM-DD/);
  await bad(client, 'create_entry', { title: 'x', content: 'x', isPrivate: 'yes' },
    /`isPrivate` must be true or false/);
  await bad(client, 'create_entry', { title: 'x', content: 'x', colour: 'red' },
    /unknown argument `colour`.*title/);
  await bad(client, 'create_entry', { title: 'x', content: 'x', tagIds: [987654] },
    /`tagIds\[0\]`: no tag with id 987654.*list_tags/);
  await bad(client, 'create_entry', { title: 'x', content: 'x', tags: 'food' },
    /`tags` must be an array/);
});

test('get_entry: returns the entry; unknown id, wrong type, missing id fail', async () => {
  const { client } = main;
  const created = (await ok(client, 'create_entry', {
    title: 'Get me', content: 'alpha beta', tags: ['getter'], date: '2024-02-29',
  })).structuredContent;
  const r = await ok(client, 'get_entry', { id: created.id });
  assert.deepEqual(r.structuredContent, created);
  assert.match(textOf(r), /Get me/);
  assert.match(textOf(r), /alpha beta/);

  await bad(client, 'get_entry', { id: 987654321 }, /`id`: no entry .*987654321.*list_entries/);
  await bad(client, 'get_entry', { id: 'abc' }, /`id` must be an integer/);
  await bad(client, 'get_entry', { id: 1.5 }, /`id` must be an integer/);
  await bad(client, 'get_entry', {}, /`id` is required/);
  await bad(client, 'get_entry', { id: 0 }, /`id` must be an integer of at least 1/);
});

test('list_entries: filters and pages; bad filters fail', async () => {
  const { client } = main;
  for (let d = 1; d <= 5; d++) {
    await ok(client, 'create_entry', {
      title: `Paged ${d}`, content: 'page me', tags: ['paged'], date: `2023-06-0${d}`,
      isFavorite: d % 2 === 0,
    });
  }
  const year = (await ok(client, 'list_entries', { year: 2023 })).structuredContent;
  assert.deepEqual(year.entries.map((e) => e.title), ['Paged 1', 'Paged 2', 'Paged 3', 'Paged 4', 'Paged 5']);
  assert.equal(year.nextCursor, undefined);
  year.entries.forEach(assertEntryShape);

  const fav = (await ok(client, 'list_entries', { year: 2023, favorite: true })).structuredContent;
  assert.deepEqual(fav.entries.map((e) => e.title), ['Paged 2', 'Paged 4']);
  const byTag = (await ok(client, 'list_entries', { tag: 'PAGED' })).structuredContent;
  assert.equal(byTag.entries.length, 5, 'tag filter ignores case');
  const june = (await ok(client, 'list_entries', { year: 2023, month: 6 })).structuredContent;
  assert.equal(june.entries.length, 5);
  const july = (await ok(client, 'list_entries', { year: 2023, month: 7 })).structuredContent;
  assert.equal(july.entries.length, 0);

  // Two per page: 2 + 2 + 1, no repeats.
  const seen = [];
  let cursor;
  let pages = 0;
  do {
    const page = (await ok(client, 'list_entries',
      { year: 2023, limit: 2, ...(cursor ? { cursor } : {}) })).structuredContent;
    seen.push(...page.entries.map((e) => e.title));
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 10);
  assert.deepEqual(seen, ['Paged 1', 'Paged 2', 'Paged 3', 'Paged 4', 'Paged 5']);
  assert.ok(pages >= 3);

  await bad(client, 'list_entries', { month: 6 }, /`month` needs `year`/);
  await bad(client, 'list_entries', { cursor: 'not-a-cursor' }, /`cursor` is not one this server issued.*nextCursor/);
  await bad(client, 'list_entries', { limit: 0 }, /`limit` must be an integer from 1 to 200/);
  await bad(client, 'list_entries', { year: '2023' }, /`year` must be an integer from 1 to 9999/);
});

test('update_entry: changes given fields; unknown id, no fields, null title fail', async () => {
  const { client } = main;
  const e = (await ok(client, 'create_entry', {
    title: 'Draft', content: 'one two', mood: 'tired', location: 'home', tags: ['a1'], date: '2025-07-01',
  })).structuredContent;
  const r = await ok(client, 'update_entry', {
    id: e.id, title: 'Final', mood: null, tags: ['b2', 'c3'], isFavorite: true,
  });
  const u = r.structuredContent;
  assertEntryShape(u);
  assert.equal(u.id, e.id);
  assert.equal(u.title, 'Final');
  assert.equal(u.content, 'one two', 'left-out fields keep their value');
  assert.equal(u.mood, null, 'null clears mood');
  assert.equal(u.location, 'home');
  assert.equal(u.isFavorite, true);
  assert.deepEqual(u.tags, ['b2', 'c3'], 'tags replace the whole set');
  assert.match(textOf(r), /Updated entry/);
  assert.deepEqual((await ok(client, 'get_entry', { id: e.id })).structuredContent, u);

  await bad(client, 'update_entry', { id: 987654321, title: 'x' }, /`id`: no entry .*987654321.*list_entries/);
  await bad(client, 'update_entry', { id: e.id }, /nothing to change.*at least one of/);
  await bad(client, 'update_entry', { id: e.id, title: null }, /`title` cannot be null/);
  await bad(client, 'update_entry', { title: 'no id' }, /`id` is required/);
  await bad(client, 'update_entry', { id: e.id, date: 'yesterday' }, /`date`.*YYYY-MM-DD/);
});

test('delete_entry: a client without elicitation deletes without being asked; bad ids fail', async () => {
  const { client } = main;
  const e = (await ok(client, 'create_entry', { title: 'Short-lived', content: 'bye', date: '2025-08-01' })).structuredContent;
  const r = await ok(client, 'delete_entry', { id: e.id });
  assert.deepEqual(r.structuredContent, { deleted: true, id: e.id, title: 'Short-lived' });
  assert.match(textOf(r), /Deleted entry/);
  await bad(client, 'get_entry', { id: e.id }, /`id`: no entry/);

  await bad(client, 'delete_entry', { id: e.id }, /`id`: no entry .*list_entries/);
  await bad(client, 'delete_entry', { id: -3 }, /`id` must be an integer of at least 1/);
  await bad(client, 'delete_entry', {}, /`id` is required/);
  await bad(client, 'delete_entry', { id: '7' }, /`id` must be an integer/);
});

// ---- tag tools -------------------------------------------------------------

test('create_tag / get_tag / list_tags: happy paths and bad input', async () => {
  const { client } = main;
  const r = await ok(client, 'create_tag', { name: 'Reading', description: 'books and papers' });
  const t = r.structuredContent;
  assert.equal(t.name, 'Reading');
  assert.equal(t.description, 'books and papers');
  assert.equal(t.entryCount, 0);
  assert.match(textOf(r), /Created tag/);

  await bad(client, 'create_tag', { name: 'reading' }, /already exists/);
  await bad(client, 'create_tag', {}, /`name` is required/);
  await bad(client, 'create_tag', { name: 42 }, /`name` must be a string/);
  await bad(client, 'create_tag', { name: 'x'.repeat(51) }, /`name` is 51 bytes long; the limit is 50/);

  const g = await ok(client, 'get_tag', { id: t.id });
  assert.deepEqual(g.structuredContent, t);
  await bad(client, 'get_tag', { id: 987654321 }, /`id`: no tag .*987654321.*list_tags/);
  await bad(client, 'get_tag', { id: 'Reading' }, /`id` must be an integer/);
  await bad(client, 'get_tag', {}, /`id` is required/);

  const list = (await ok(client, 'list_tags', {})).structuredContent.tags;
  const listed = list.find((x) => x.id === t.id);
  assert.deepEqual(listed, t);
  const spring = list.find((x) => x.name === 'spring');
  assert.equal(spring.entryCount, 3, 'entryCount counts the entries carrying the tag');
  await bad(client, 'list_tags', { name: 'Reading' }, /unknown argument `name`; this tool takes no arguments/);
  await bad(client, 'list_tags', { limit: 5 }, /unknown argument `limit`; this tool takes no arguments/);
});

test('update_tag / delete_tag: happy paths and bad input', async () => {
  const { client } = main;
  const t = (await ok(client, 'create_tag', { name: 'hikking', description: 'typo' })).structuredContent;
  const e = (await ok(client, 'create_entry', { title: 'Ridge', content: 'up', tagIds: [t.id], date: '2025-09-09' })).structuredContent;
  assert.deepEqual(e.tags, ['hikking']);

  const r = await ok(client, 'update_tag', { id: t.id, name: 'hiking', description: null });
  assert.equal(r.structuredContent.name, 'hiking');
  assert.equal(r.structuredContent.description, null);
  assert.equal(r.structuredContent.entryCount, 1);
  assert.deepEqual((await ok(client, 'get_entry', { id: e.id })).structuredContent.tags, ['hiking'],
    'entries keep the tag under its new name');

  await bad(client, 'update_tag', { id: 987654321, name: 'x' }, /`id`: no tag .*list_tags/);
  await bad(client, 'update_tag', { id: t.id }, /nothing to change.*name, description/);
  await bad(client, 'update_tag', { id: t.id, name: null }, /`name` cannot be null/);
  await bad(client, 'update_tag', { id: t.id, name: 'spring' }, /already exists/);

  const d = await ok(client, 'delete_tag', { id: t.id });
  assert.deepEqual(d.structuredContent, { deleted: true, id: t.id, name: 'hiking' });
  assert.match(textOf(d), /Deleted tag/);
  assert.deepEqual((await ok(client, 'get_entry', { id: e.id })).structuredContent.tags, [],
    'the entry stays, without the tag');
  await bad(client, 'delete_tag', { id: t.id }, /`id`: no tag .*list_tags/);
  await bad(client, 'delete_tag', { id: true }, /`id` must be an integer/);
  await bad(client, 'delete_tag', {}, /`id` is required/);
});

test('add_tag_to_entry / remove_tag_from_entry: happy paths and bad input', async () => {
  const { client } = main;
  const t = (await ok(client, 'create_tag', { name: 'linked' })).structuredContent;
  const e = (await ok(client, 'create_entry', { title: 'Link me', content: 'x', date: '2025-10-10' })).structuredContent;

  const added = await ok(client, 'add_tag_to_entry', { entryId: e.id, tagId: t.id });
  assertEntryShape(added.structuredContent);
  assert.deepEqual(added.structuredContent.tags, ['linked']);
  assert.match(textOf(added), /now has linked/);
  // Adding it again changes nothing.
  assert.deepEqual((await ok(client, 'add_tag_to_entry', { entryId: e.id, tagId: t.id })).structuredContent.tags, ['linked']);
  assert.equal((await ok(client, 'get_tag', { id: t.id })).structuredContent.entryCount, 1);

  await bad(client, 'add_tag_to_entry', { entryId: 987654321, tagId: t.id }, /`entryId`: no entry .*list_entries/);
  await bad(client, 'add_tag_to_entry', { entryId: e.id, tagId: 987654321 }, /`tagId`: no tag .*list_tags/);
  await bad(client, 'add_tag_to_entry', { entryId: e.id }, /`tagId` is required/);
  await bad(client, 'add_tag_to_entry', { entryId: 'one', tagId: t.id }, /`entryId` must be an integer/);

  const removed = await ok(client, 'remove_tag_from_entry', { entryId: e.id, tagId: t.id });
  assert.deepEqual(removed.structuredContent.tags, []);
  assert.equal((await ok(client, 'get_tag', { id: t.id })).structuredContent.entryCount, 0, 'the tag stays');
  await bad(client, 'remove_tag_from_entry', { entryId: 987654321, tagId: t.id }, /`entryId`: no entry .*list_entries/);
  await bad(client, 'remove_tag_from_entry', { entryId: e.id, tagId: 987654321 }, /`tagId`: no tag .*list_tags/);
  await bad(client, 'remove_tag_from_entry', { tagId: t.id }, /`entryId` is required/);
});

// ---- protocol errors -------------------------------------------------------

test('protocol mistakes are JSON-RPC errors', async () => {
  const { client } = main;
  await rejectsWith(client.callTool({ name: 'no_such_tool', arguments: {} }),
    INVALID_PARAMS, /Unknown tool: no_such_tool.*create_entry/, 'unknown tool');
  await rejectsWith(client.request({ method: 'journal/explode', params: {} }, EmptyResultSchema),
    METHOD_NOT_FOUND, /journal\/explode/, 'unknown method');
  await rejectsWith(client.request({ method: 'tools/call', params: { name: 'get_entry', arguments: [1] } },
    CallToolResultSchema), INVALID_PARAMS, /arguments.*object/, 'array arguments');
  await rejectsWith(client.listResources({ cursor: 'bogus' }), INVALID_PARAMS, /cursor/, 'bad resources cursor');
  // The session still works.
  await client.ping();
});

// ---- logging ---------------------------------------------------------------

test('logging: a failed tool logs a warning once a level is set; a bad level is rejected', async () => {
  const { client, inbox } = main;
  // No level set yet: nothing is sent.
  let mark = inbox.mark();
  await bad(client, 'get_entry', { id: 987654320 }, /no entry/);
  await client.ping();
  assert.deepEqual(inbox.since(mark, isLog), [], 'no log messages before logging/setLevel');

  await client.setLoggingLevel('info');
  mark = inbox.mark();
  await bad(client, 'get_entry', { id: 987654321 }, /no entry/);
  const msg = await inbox.waitFor(mark, isLog, 'warning about get_entry');
  assert.equal(msg.params.level, 'warning');
  assert.match(String(msg.params.data), /get_entry.*987654321/);

  await client.setLoggingLevel('error');
  mark = inbox.mark();
  await bad(client, 'get_entry', { id: 987654322 }, /no entry/);
  await client.ping();
  assert.deepEqual(inbox.since(mark, isLog), [], 'warnings are below "error"');
  await client.setLoggingLevel('info');

  await rejectsWith(client.setLoggingLevel('loud'), INVALID_PARAMS, /level must be one of.*debug.*emergency/, 'bad level');
  await rejectsWith(client.request({ method: 'logging/setLevel', params: {} }, EmptyResultSchema),
    INVALID_PARAMS, /level/, 'missing level');
});

// ---- subscriptions and list_changed ---------------------------------------

test('subscriptions: updated for a subscribed entry, none after unsubscribe; tag list updates', async () => {
  const { client, inbox } = main;
  const e = (await ok(client, 'create_entry', { title: 'Watched', content: 'x', date: '2025-11-11' })).structuredContent;
  const uri = `stopframe://entries/${e.id}`;
  await client.subscribeResource({ uri });

  let mark = inbox.mark();
  await ok(client, 'update_entry', { id: e.id, content: 'changed' });
  await inbox.waitFor(mark, isUpdated(uri), `updated ${uri}`);

  // Adding a tag touches the entry too.
  const t = (await ok(client, 'create_tag', { name: 'watched-tag' })).structuredContent;
  mark = inbox.mark();
  await ok(client, 'add_tag_to_entry', { entryId: e.id, tagId: t.id });
  await inbox.waitFor(mark, isUpdated(uri), `updated ${uri} after tagging`);

  await client.unsubscribeResource({ uri });
  mark = inbox.mark();
  await ok(client, 'update_entry', { id: e.id, content: 'changed again' });
  await client.ping();
  assert.deepEqual(inbox.since(mark, isUpdated(uri)), [], 'no update after unsubscribe');

  await client.subscribeResource({ uri: 'stopframe://tags' });
  mark = inbox.mark();
  await ok(client, 'create_tag', { name: 'fresh-tag' });
  await inbox.waitFor(mark, isUpdated('stopframe://tags'), 'updated stopframe://tags');
  await client.unsubscribeResource({ uri: 'stopframe://tags' });

  // A malformed uri cannot be subscribed to.
  await rejectsWith(client.subscribeResource({ uri: 'stopframe://entries/abc' }),
    RESOURCE_NOT_FOUND, /Resource not found/, 'subscribe to a malformed uri');
});

test('list_changed: creating a tag or an entry changes the resource list', async () => {
  const { client, inbox } = main;
  let mark = inbox.mark();
  await ok(client, 'create_tag', { name: 'listed-tag' });
  await inbox.waitFor(mark, isListChanged, 'list_changed after create_tag');
  mark = inbox.mark();
  await ok(client, 'create_entry', { title: 'Listed', content: 'x', date: '2025-12-01' });
  await inbox.waitFor(mark, isListChanged, 'list_changed after create_entry');
});

// ---- prompt ----------------------------------------------------------------

test('prompts: suggest_tags embeds the entry and the tag list', async () => {
  const { client } = main;
  const { prompts } = await client.listPrompts();
  const p = prompts.find((x) => x.name === 'suggest_tags');
  assert.ok(p, 'suggest_tags is listed');
  const arg = p.arguments.find((a) => a.name === 'entryId');
  assert.equal(arg?.required, true);

  const e = (await ok(client, 'create_entry', { title: 'Prompted', content: 'tag me', tags: ['spring'], date: '2025-06-06' })).structuredContent;
  const r = await client.getPrompt({ name: 'suggest_tags', arguments: { entryId: String(e.id) } });
  assert.match(r.description, /Prompted/);
  const resources = r.messages.filter((m) => m.content.type === 'resource').map((m) => m.content.resource);
  const entryRes = resources.find((x) => x.uri === `stopframe://entries/${e.id}`);
  assert.ok(entryRes, 'embeds the entry');
  assert.deepEqual(JSON.parse(entryRes.text), e);
  const tagsRes = resources.find((x) => x.uri === 'stopframe://tags');
  assert.ok(tagsRes, 'embeds the tag list');
  assert.ok(JSON.parse(tagsRes.text).tags.some((t) => t.name === 'spring'));
  assert.ok(r.messages.some((m) => m.content.type === 'text' && /add_tag_to_entry/.test(m.content.text)));

  await rejectsWith(client.getPrompt({ name: 'suggest_tags', arguments: {} }), INVALID_PARAMS, /entryId/, 'missing entryId');
  await rejectsWith(client.getPrompt({ name: 'suggest_tags', arguments: { entryId: '987654321' } }),
    INVALID_PARAMS, /987654321/, 'unknown entryId');
  await rejectsWith(client.getPrompt({ name: 'suggest_tags', arguments: { entryId: 'twelve' } }),
    INVALID_PARAMS, /entryId/, 'non-numeric entryId');
  await rejectsWith(client.getPrompt({ name: 'no_such_prompt', arguments: {} }),
    INVALID_PARAMS, /suggest_tags/, 'unknown prompt');
});

// ---- the wrapped video -----------------------------------------------------

let videoUri;

test('create_wrapped_video: poster image, private entries counted, video readable as h264', async () => {
  const { client, inbox } = main;
  const entries2025 = await allEntries(client, { year: 2025 });
  assert.ok(entries2025.some((e) => e.title === SECRET_TITLE && e.isPrivate), 'the private entry is in 2025');
  const mark = inbox.mark();
  const r = await client.callTool(
    { name: 'create_wrapped_video', arguments: { year: 2025, quality: 'draft', secondsPerSlide: 0.3 } },
    CallToolResultSchema, { timeout: RENDER_MS });
  assert.equal(r.isError, false, textOf(r));
  const sc = r.structuredContent;
  assert.equal(sc.year, 2025);
  assert.equal(sc.width, 640);
  assert.equal(sc.height, 360);
  assert.ok(sc.frames > 0 && sc.bytes > 0);
  assert.match(sc.videoUri, /^stopframe:\/\/videos\/[0-9a-f]{32}$/);
  videoUri = sc.videoUri;
  // The private entry counts: every 2025 entry is reviewed.
  assert.match(textOf(r), new RegExp(`\\b${entries2025.length} entries reviewed`),
    `expected ${entries2025.length} entries (incl. the private one) in: ${textOf(r)}`);
  assert.ok(!textOf(r).includes(SECRET_TITLE), 'the private title is not in the result');

  const link = r.content.find((c) => c.type === 'resource_link');
  assert.equal(link?.uri, videoUri);
  assert.equal(link.mimeType, 'video/mp4');

  const image = r.content.find((c) => c.type === 'image');
  assert.ok(image, `expected a poster image in the result; content types: ${r.content.map((c) => c.type)}`);
  assert.equal(image.mimeType, 'image/png');
  const png = Buffer.from(image.data, 'base64');
  assert.ok(png.length > 0 && png.length <= 200 * 1024, `poster is ${png.length} bytes`);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.ok(png.readUInt32BE(16) <= 480, `poster is ${png.readUInt32BE(16)} px wide`);

  const read = await client.readResource({ uri: videoUri }, { timeout: WAIT_MS });
  assert.equal(read.contents.length, 1);
  const [content] = read.contents;
  assert.equal(content.uri, videoUri);
  assert.equal(content.mimeType, 'video/mp4');
  assert.equal(typeof content.blob, 'string');
  const mp4 = Buffer.from(content.blob, 'base64');
  assert.equal(mp4.length, sc.bytes);
  const file = join(workDir, 'read-back.mp4');
  writeFileSync(file, mp4);
  const probe = execFileSync('ffprobe',
    ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'default=nw=1', file],
    { encoding: 'utf8', timeout: WAIT_MS });
  assert.match(probe, /codec_name=h264/);

  // The new video is announced and listed.
  await inbox.waitFor(mark, isListChanged, 'list_changed after a render');
  const { resources } = await allResources(client);
  const listed = resources.find((x) => x.uri === videoUri);
  assert.ok(listed, 'the video is in resources/list');
  assert.equal(listed.mimeType, 'video/mp4');
});

// ---- resources -------------------------------------------------------------

test('resources: paginated list without duplicates, templates, read, bad uris, completion', async () => {
  const { client } = main;
  const before = (await ok(client, 'list_tags', {})).structuredContent.tags.length;
  await Promise.all(Array.from({ length: 55 }, (_, i) =>
    ok(client, 'create_tag', { name: `bulk-${String(i).padStart(2, '0')}` })));
  const tags = (await ok(client, 'list_tags', {})).structuredContent.tags;
  assert.equal(tags.length, before + 55);

  const { resources, pages } = await allResources(client);
  assert.ok(pages >= 2, 'more than one page');
  const uris = resources.map((x) => x.uri);
  assert.equal(new Set(uris).size, uris.length, 'no duplicates across pages');
  for (const x of resources) {
    assert.equal(typeof x.name, 'string');
    assert.ok(x.mimeType, `${x.uri} has a mimeType`);
  }
  assert.ok(uris.includes('stopframe://tags'));
  for (const t of tags) assert.ok(uris.includes(`stopframe://tags/${t.id}`), `tag ${t.name} listed`);
  // The 20 most recent entries (by date, then id).
  const entries = await allEntries(client);
  const recent = [...entries]
    .sort((a, b) => (b.date.localeCompare(a.date)) || (b.id - a.id))
    .slice(0, 20).map((e) => `stopframe://entries/${e.id}`);
  const listedEntries = uris.filter((u) => u.startsWith('stopframe://entries/'));
  assert.deepEqual([...listedEntries].sort(), [...recent].sort());
  if (videoUri) assert.ok(uris.includes(videoUri), 'the rendered video is listed');
  assert.equal(resources.length, 1 + tags.length + listedEntries.length
    + uris.filter((u) => u.startsWith('stopframe://videos/')).length);

  const { resourceTemplates } = await client.listResourceTemplates();
  assert.deepEqual(resourceTemplates.map((x) => x.uriTemplate).sort(),
    ['stopframe://entries/{id}', 'stopframe://tags/{id}', 'stopframe://videos/{id}']);

  // Reads.
  const e = entries.find((x) => x.title === 'Harbour walk');
  const readEntry = await client.readResource({ uri: `stopframe://entries/${e.id}` });
  assert.equal(readEntry.contents.length, 1);
  assert.equal(readEntry.contents[0].mimeType, 'application/json');
  assert.deepEqual(JSON.parse(readEntry.contents[0].text), e);
  const readTags = await client.readResource({ uri: 'stopframe://tags' });
  assert.deepEqual(JSON.parse(readTags.contents[0].text).tags, tags);
  const tag = tags.find((t) => t.name === 'spring');
  const readTag = await client.readResource({ uri: `stopframe://tags/${tag.id}` });
  assert.deepEqual(JSON.parse(readTag.contents[0].text), tag);

  for (const uri of [
    'stopframe://entries/987654321', 'stopframe://tags/987654321',
    'stopframe://videos/../../etc/passwd', 'stopframe://videos/%2e%2e%2fetc%2fpasswd',
    `stopframe://videos/${'0'.repeat(32)}`, 'stopframe://entries/abc', 'stopframe://entries/-1',
    'stopframe://entries/1/../2', 'file:///etc/passwd', 'stopframe://nothing',
  ]) {
    await rejectsWith(client.readResource({ uri }), RESOURCE_NOT_FOUND, null, `read ${uri}`);
  }

  // Completion: template ids and the prompt's entryId.
  const tagPrefix = String(tag.id)[0];
  const c1 = await client.complete({
    ref: { type: 'ref/resource', uri: 'stopframe://tags/{id}' },
    argument: { name: 'id', value: tagPrefix },
  });
  assert.ok(c1.completion.values.includes(String(tag.id)));
  assert.ok(c1.completion.values.every((v) => v.startsWith(tagPrefix)));
  const c2 = await client.complete({
    ref: { type: 'ref/prompt', name: 'suggest_tags' },
    argument: { name: 'entryId', value: String(e.id) },
  });
  assert.ok(c2.completion.values.includes(String(e.id)));
  assert.ok(c2.completion.values.every((v) => v.startsWith(String(e.id))));
  const c3 = await client.complete({
    ref: { type: 'ref/resource', uri: 'stopframe://entries/{id}' },
    argument: { name: 'id', value: '' },
  });
  assert.ok(c3.completion.values.length > 0);
  if (videoUri) {
    const c4 = await client.complete({
      ref: { type: 'ref/resource', uri: 'stopframe://videos/{id}' },
      argument: { name: 'id', value: '' },
    });
    assert.ok(c4.completion.values.includes(videoUri.split('/').pop()));
  }
  await rejectsWith(client.complete({
    ref: { type: 'ref/prompt', name: 'suggest_tags' }, argument: { name: 'mood', value: '' },
  }), INVALID_PARAMS, null, 'completion of an unknown argument');
});

// ---- cancellation is logged ------------------------------------------------

test('a cancelled render logs a message mentioning "cancelled"', async () => {
  const { client, inbox } = main;
  await client.setLoggingLevel('info');
  const mark = inbox.mark();
  const controller = new AbortController();
  let progressed = false;
  const call = client.callTool(
    { name: 'create_wrapped_video', arguments: { year: 2025, quality: 'standard', secondsPerSlide: 4 } },
    CallToolResultSchema,
    {
      signal: controller.signal,
      timeout: RENDER_MS,
      onprogress: () => {
        if (!progressed) {
          progressed = true;
          controller.abort('user pressed stop');
        }
      },
    },
  );
  await withTimeout(assert.rejects(call), RENDER_MS, 'the aborted call rejects');
  assert.ok(progressed, 'aborted after the first progress notification');
  // The reader thread logs the cancel with its reason; the worker may log the
  // tool's failure ("The render was cancelled") before or after it.
  const msg = await inbox.waitFor(mark,
    (n) => isLog(n) && /cancelled/.test(String(n.params.data)) && /user pressed stop/.test(String(n.params.data)),
    'a log message about the cancellation, with its reason');
  assert.equal(msg.params.level, 'info');
  await client.ping();
});

// ---- elicitation -----------------------------------------------------------

test('elicitation: decline keeps, accept deletes (entries and tags)', async () => {
  const asker = await connect(dbPath, { name: 'journal-elicit', capabilities: { elicitation: {} } });
  const { client } = asker;
  let answer = { action: 'decline' };
  const asked = [];
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    asked.push(req.params);
    return answer;
  });

  const e = (await ok(client, 'create_entry', { title: 'Keep or drop', content: 'x', date: '2025-02-02' })).structuredContent;
  let r = await ok(client, 'delete_entry', { id: e.id });
  assert.equal(asked.length, 1, 'the user was asked');
  assert.match(asked[0].message, /Keep or drop/);
  assert.equal(asked[0].requestedSchema.properties.confirm.type, 'boolean');
  assert.match(textOf(r), /Nothing was deleted/);
  assert.deepEqual(r.structuredContent, { deleted: false, id: e.id });
  await ok(client, 'get_entry', { id: e.id });

  answer = { action: 'accept', content: { confirm: false } };
  r = await ok(client, 'delete_entry', { id: e.id });
  assert.equal(r.structuredContent.deleted, false, 'confirm:false keeps the entry');
  await ok(client, 'get_entry', { id: e.id });

  answer = { action: 'cancel' };
  r = await ok(client, 'delete_entry', { id: e.id });
  assert.equal(r.structuredContent.deleted, false, 'cancel keeps the entry');

  answer = { action: 'accept', content: { confirm: true } };
  r = await ok(client, 'delete_entry', { id: e.id });
  assert.deepEqual(r.structuredContent, { deleted: true, id: e.id, title: 'Keep or drop' });
  await bad(client, 'get_entry', { id: e.id }, /no entry/);

  const t = (await ok(client, 'create_tag', { name: 'ask-first' })).structuredContent;
  const before = asked.length;
  answer = { action: 'decline' };
  r = await ok(client, 'delete_tag', { id: t.id });
  assert.equal(asked.length, before + 1);
  assert.match(asked.at(-1).message, /ask-first/);
  assert.match(textOf(r), /Nothing was deleted/);
  assert.deepEqual(r.structuredContent, { deleted: false, id: t.id });
  await ok(client, 'get_tag', { id: t.id });
  answer = { action: 'accept', content: { confirm: true } };
  r = await ok(client, 'delete_tag', { id: t.id });
  assert.deepEqual(r.structuredContent, { deleted: true, id: t.id, name: 'ask-first' });
  await bad(client, 'get_tag', { id: t.id }, /no tag/);

  // A client without the capability is never asked.
  const t2 = (await ok(main.client, 'create_tag', { name: 'no-questions' })).structuredContent;
  const n = asked.length;
  r = await ok(main.client, 'delete_tag', { id: t2.id });
  assert.equal(r.structuredContent.deleted, true);
  assert.equal(asked.length, n);
  await bad(main.client, 'get_tag', { id: t2.id }, /no tag/);
});

// ---- two gateways, one database -------------------------------------------

test('two gateways on one database write concurrently and see each other', async () => {
  const dir = mkdtempSync(join(workDir, 'shared-'));
  const db = join(dir, 'shared.db');
  const [a, b] = await Promise.all([connect(db, { name: 'gw-a' }), connect(db, { name: 'gw-b' })]);
  const write = (s, who) => Promise.all(Array.from({ length: 50 }, (_, i) =>
    call(s.client, 'create_entry', {
      title: `${who} ${i}`, content: `entry ${i} from ${who}`, tags: [who, 'shared'],
      date: `2022-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
    })));
  const results = (await withTimeout(Promise.all([write(a, 'alpha'), write(b, 'beta')]), 45000,
    '100 concurrent create_entry calls')).flat();
  const failures = results.filter((r) => r.isError).map(textOf);
  assert.deepEqual(failures, [], 'no create_entry failed');
  const ids = results.map((r) => r.structuredContent.id);
  assert.equal(new Set(ids).size, 100, 'every entry got its own id');

  for (const s of [a, b]) {
    const all = await allEntries(s.client);
    assert.equal(all.length, 100);
    assert.deepEqual(all.map((e) => e.id).sort((x, y) => x - y), [...ids].sort((x, y) => x - y));
    const tags = (await ok(s.client, 'list_tags', {})).structuredContent.tags;
    assert.deepEqual(tags.map((t) => [t.name, t.entryCount]).sort(),
      [['alpha', 50], ['beta', 50], ['shared', 100]]);
  }
});
