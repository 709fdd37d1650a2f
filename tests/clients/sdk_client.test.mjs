// The official MCP TypeScript SDK client (v1) drives a real gateway, which
// talks gRPC to a real renderer process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';

import { binDir, gatewayBin, startRenderer } from './renderer.mjs';

const waitStatsBin = join(binDir, 'tests/tools/wait_renderer_stats');

let renderer;
let target;
let client;
let workDir;


async function rendererStats(minCancelled, minCompleted) {
  const { stdout } = await promisify(execFile)(
    waitStatsBin, [target, String(minCancelled), String(minCompleted), '20000']);
  return JSON.parse(stdout);
}

before(async () => {
  ({ child: renderer, target } = await startRenderer());
  workDir = mkdtempSync(join(tmpdir(), 'stopframe-sdk-'));
  client = new Client({ name: 'stopframe-sdk-test', version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: gatewayBin,
    args: [`--db=${join(workDir, 'journal.db')}`, `--renderer=${target}`,
      '--display_name=SDK'],
    stderr: 'inherit',
  });
  await client.connect(transport);
  for (const [i, mood] of ['happy', 'calm', 'happy'].entries()) {
    const r = await client.callTool({
      name: 'create_entry',
      arguments: {
        title: `Day ${i}`, content: 'words for the wrapped video', mood,
        tags: ['sdk'], date: `2025-03-0${i + 1}`,
      },
    });
    assert.equal(r.isError, false);
  }
});

after(async () => {
  await client?.close();
  renderer?.kill('SIGTERM');
});

test('tools/list shows the tools with schemas', async () => {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  for (const n of ['create_entry', 'list_entries', 'create_wrapped_video']) {
    assert.ok(names.includes(n), `missing tool ${n}`);
  }
  const video = tools.find((t) => t.name === 'create_wrapped_video');
  assert.equal(video.inputSchema.type, 'object');
  assert.ok(video.outputSchema);
});

test('callTool with onprogress sees strictly increasing progress and a video', async () => {
  const seen = [];
  const result = await client.callTool(
    { name: 'create_wrapped_video', arguments: { year: 2025, quality: 'draft', secondsPerSlide: 0.5 } },
    CallToolResultSchema,
    { onprogress: (p) => seen.push(p), timeout: 120000 },
  );
  assert.equal(result.isError, false, JSON.stringify(result));
  assert.ok(seen.length > 0, 'no progress notifications');
  for (let i = 1; i < seen.length; i++) {
    assert.ok(seen[i].progress > seen[i - 1].progress, 'progress must increase');
  }
  const frames = result.structuredContent.frames;
  assert.ok(frames > 0);
  assert.equal(seen.at(-1).total, frames);
  const link = result.content.find((c) => c.type === 'resource_link');
  assert.ok(link, 'expected a resource_link');
  assert.equal(link.mimeType, 'video/mp4');
  assert.equal(link.uri, result.structuredContent.videoUri);
});

test('callTool aborted mid-render rejects and the renderer cancels', async () => {
  const controller = new AbortController();
  const videosBefore = readdirSync(join(workDir, 'videos')).length;
  let progressed = 0;
  const call = client.callTool(
    { name: 'create_wrapped_video', arguments: { year: 2025, quality: 'standard', secondsPerSlide: 4 } },
    CallToolResultSchema,
    {
      signal: controller.signal,
      timeout: 120000,
      onprogress: (p) => {
        progressed = p.progress;
        if (p.progress >= 10) controller.abort('user pressed stop');
      },
    },
  );
  await assert.rejects(call);
  assert.ok(progressed >= 10, 'aborted before any progress');
  const stats = await rendererStats(1, 1);
  assert.equal(stats.active, 0);
  assert.equal(stats.cancelled, 1);
  assert.equal(readdirSync(join(workDir, 'videos')).length, videosBefore,
    'a cancelled render must leave no file');
  // The session still works after the abort.
  const list = await client.callTool({ name: 'list_entries', arguments: { year: 2025 } });
  assert.equal(list.structuredContent.entries.length, 3);
});
