// A scripted MCP session with the official SDK client: fill a sample journal,
// render its wrapped video with a live progress bar, and press Ctrl-C to stop
// it (the stop reaches the renderer process within a frame).
//
//   node demo/wrapped_demo.mjs [--year 2025] [--quality draft|standard|high]
//                              [--db PATH]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    year: { type: 'string', default: '2025' },
    quality: { type: 'string', default: 'standard' },
    db: { type: 'string', default: join(root, 'build/demo/journal.db') },
  },
});
const year = Number(opts.year);

const moods = ['happy', 'calm', 'thoughtful', 'tired', 'excited'];
const tags = ['family', 'running', 'books', 'garden', 'work', 'travel'];
const words = 'the morning light was soft and we walked by the river talking about plans for the summer'.split(' ');

async function seed(client) {
  const existing = await client.callTool({ name: 'list_entries', arguments: { year, limit: 1 } });
  if (existing.structuredContent.entries.length > 0) return;
  process.stderr.write(`Writing a sample journal for ${year}...\n`);
  for (let i = 0; i < 120; i++) {
    const day = new Date(Date.UTC(year, 0, 1 + Math.floor(i * 2.9)));
    const length = 8 + ((i * 37) % 60);
    await client.callTool({
      name: 'create_entry',
      arguments: {
        title: `Day ${i + 1}: ${words[i % words.length]} ${words[(i * 7) % words.length]}`,
        content: Array.from({ length }, (_, k) => words[(i + k) % words.length]).join(' '),
        mood: moods[i % moods.length],
        tags: [tags[i % tags.length], tags[(i * 5 + 1) % tags.length]],
        isFavorite: i % 17 === 0,
        isPrivate: i % 23 === 0,
        date: day.toISOString().slice(0, 10),
      },
    });
  }
}

function drawBar(progress, total, message) {
  const width = 40;
  const filled = Math.round((progress / total) * width);
  const pct = Math.floor((progress / total) * 100);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}%  ${message ?? ''}   `);
}

const client = new Client({ name: 'stopframe-demo', version: '1.0.0' });
const transport = new StdioClientTransport({
  command: join(root, 'build/gateway/stopframe-gateway'),
  args: [`--db=${opts.db}`, '--display_name=Sample journaler'],
  stderr: 'ignore',
});
await client.connect(transport);
await seed(client);

const controller = new AbortController();
process.on('SIGINT', () => controller.abort('Ctrl-C'));
process.stderr.write(`Rendering the ${year} wrapped video (${opts.quality}); press Ctrl-C to stop.\n`);
const started = Date.now();
try {
  const result = await client.callTool(
    { name: 'create_wrapped_video', arguments: { year, quality: opts.quality } },
    CallToolResultSchema,
    {
      signal: controller.signal,
      timeout: 600000,
      resetTimeoutOnProgress: true,
      onprogress: (p) => drawBar(p.progress, p.total ?? p.progress, p.message),
    },
  );
  process.stderr.write('\n');
  if (result.isError) {
    console.log(`Render failed: ${result.content[0].text}`);
    process.exitCode = 1;
  } else {
    console.log(result.content[0].text);
    console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s wall)`);
  }
} catch (error) {
  process.stderr.write('\n');
  if (controller.signal.aborted) {
    const videos = readdirSync(join(dirname(opts.db), 'videos'));
    console.log(`Stopped after ${((Date.now() - started) / 1000).toFixed(1)} s. ` +
      `No partial file was written; ${videos.length} earlier video(s) untouched.`);
  } else {
    console.log(`Error: ${error.message}`);
    process.exitCode = 1;
  }
}
await client.close();
