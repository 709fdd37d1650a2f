// Reference for bench/protocol_overhead: the official MCP TypeScript SDK
// (McpServer + StdioServerTransport) serving stopframe's cheapest read tool,
// get_entry, with the same name, input schema and result shape (text content
// plus structuredContent validated against the same output schema).
//
// The journal is kept in memory, seeded with the same generated entries the
// benchmark puts in the gateway's SQLite journal. That favours this side: no
// database read per call.
//
//   node sdk_journal_server.mjs --entries=1000
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import * as z from 'zod';

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
};
const count = Number(arg('entries', '1000'));

// The same generator as bench/protocol_overhead.cc (and journal_scale.cc).
const kMoods = ['happy', 'calm', 'tired', 'thoughtful', 'excited'];
const kTags = ['family', 'running', 'books', 'garden', 'work', 'travel',
  'food', 'music'];
const pad = (n) => String(n).padStart(2, '0');
const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const entries = new Map();
for (let i = 0; i < count; ++i) {
  const content = `Words for entry ${i} about the day, the weather and the people.`;
  const tags = [...new Set([kTags[i % 8], kTags[Math.floor(i / 8) % 8]])]
    .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  entries.set(i + 1, {
    id: i + 1,
    title: `Entry ${i}`,
    content,
    mood: kMoods[i % 5],
    location: null,
    weather: null,
    isPrivate: i % 31 === 0,
    isFavorite: i % 97 === 0,
    tags,
    date: `2025-${pad(1 + (i % 12))}-${pad(1 + (i % 28))}`,
    wordCount: content.split(/\s+/).filter(Boolean).length,
    createdAt: now,
    updatedAt: now,
  });
}

const entryLine = (e) => `#${e.id} ${e.date} ${e.title}` +
  (e.isFavorite ? ' [favorite]' : '') + (e.isPrivate ? ' [private]' : '') +
  (e.tags.length ? ` (${e.tags.join(', ')})` : '');
const entryText = (e) => {
  const details = [];
  if (e.mood !== null) details.push(`mood: ${e.mood}`);
  if (e.location !== null) details.push(`location: ${e.location}`);
  if (e.weather !== null) details.push(`weather: ${e.weather}`);
  return entryLine(e) + (details.length ? `\n${details.join(', ')}` : '') +
    `\n${e.wordCount} words\n\n${e.content}`;
};

const server = new McpServer({ name: 'sdk-journal', version: '0.1.0' });
server.registerTool('get_entry', {
  title: 'Get journal entry',
  description: 'Read one journal entry in full, with its tags.',
  inputSchema: z.strictObject({
    id: z.number().int().min(1).max(9007199254740991)
      .describe("The entry's id."),
  }),
  outputSchema: z.object({
    id: z.number().int(),
    title: z.string(),
    content: z.string(),
    mood: z.string().nullable(),
    location: z.string().nullable(),
    weather: z.string().nullable(),
    isPrivate: z.boolean(),
    isFavorite: z.boolean(),
    tags: z.array(z.string()).describe('Tag names, sorted ignoring case.'),
    date: z.string().describe('The day the entry is about (YYYY-MM-DD).'),
    wordCount: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  annotations: {
    readOnlyHint: true, destructiveHint: false, idempotentHint: true,
    openWorldHint: false,
  },
}, async ({ id }) => {
  const e = entries.get(id);
  if (!e) {
    return {
      isError: true,
      content: [{
        type: 'text',
        text: `\`id\`: no entry ${id}; call list_entries to see the entry ids`,
      }],
    };
  }
  return {
    content: [{ type: 'text', text: entryText(e) }],
    structuredContent: e,
  };
});

await server.connect(new StdioServerTransport());
