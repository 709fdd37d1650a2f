// Reference for bench/cancel_vs_sigkill: the EpicMe workshop's approach to a
// long render, on the official MCP TypeScript SDK over stdio. The tool
// create_wrapped_video spawns the ffmpeg CLI, which writes its MP4 straight
// into the videos directory; progress comes from ffmpeg's `-progress pipe:1`
// output; the request's AbortSignal SIGKILLs the child. The tool returns only
// after the child exited or was killed.
//
// The picture roughly matches stopframe's quality specs: lavfi color source,
// 9 drawtext slides, libx264 veryfast crf 23, yuv420p, keyframe every 10 s.
// Stderr says "ffmpeg pid N for request R" when the child starts and
// "request R settled" when the handler is done, so the benchmark can watch.
//
//   node epicme_render_server.mjs --videos_dir=/tmp/videos
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import * as z from 'zod';

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
};
const videosDir = arg('videos_dir', './videos');
mkdirSync(videosDir, { recursive: true });

const kQualities = {
  draft: [640, 360], standard: [1280, 720], high: [1920, 1080],
};
const kFps = 30;
const kSlides = 9;
const kFontDir = '/usr/share/fonts/truetype/dejavu';

function filters(height, secondsPerSlide, year) {
  const big = Math.floor(height / 9);
  const small = Math.floor(height / 24);
  const parts = [];
  for (let i = 0; i < kSlides; ++i) {
    const start = (i * secondsPerSlide).toFixed(3);
    const end = ((i + 1) * secondsPerSlide).toFixed(3);
    const when = `enable='between(t,${start},${end})'`;
    parts.push(
      `drawtext=fontfile=${kFontDir}/DejaVuSans-Bold.ttf:` +
      `text='Slide ${i + 1} of your ${year}':fontsize=${big}:` +
      `fontcolor=white:x=(w-tw)/2:y=h/3:${when}`,
      `drawtext=fontfile=${kFontDir}/DejaVuSans.ttf:` +
      `text='214 entries - 48213 words - 17 tags':fontsize=${small}:` +
      `fontcolor=0xd0d0ff:x=(w-tw)/2:y=h/2:${when}`);
  }
  return parts.join(',');
}

let renders = 0;
const server = new McpServer({ name: 'epicme-render', version: '0.1.0' });
server.registerTool('create_wrapped_video', {
  title: 'Create wrapped video',
  description: 'Render a year-in-review video with the ffmpeg CLI.',
  inputSchema: {
    year: z.number().int().min(1).max(9999).optional(),
    quality: z.enum(['draft', 'standard', 'high']).optional(),
    secondsPerSlide: z.number().min(0.2).max(10).optional(),
  },
}, async ({ year, quality, secondsPerSlide }, extra) => {
  year ??= new Date().getUTCFullYear();
  const [width, height] = kQualities[quality ?? 'standard'];
  const seconds = secondsPerSlide ?? 3;
  const totalFrames = Math.round(kSlides * seconds * kFps);
  const path = join(videosDir, `wrapped-${year}-${process.pid}-${++renders}.mp4`);
  const child = spawn('ffmpeg', [
    '-v', 'error', '-nostats', '-y', '-progress', 'pipe:1', '-stats_period', '0.1',
    '-f', 'lavfi', '-i', `color=c=0x1e1b4b:s=${width}x${height}:r=${kFps}`,
    '-t', (kSlides * seconds).toFixed(3),
    '-vf', filters(height, seconds, year),
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23',
    '-pix_fmt', 'yuv420p', '-g', String(10 * kFps), path,
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.stderr.write(`ffmpeg pid ${child.pid} for request ${extra.requestId}\n`);

  const kill = () => child.kill('SIGKILL');
  extra.signal.addEventListener('abort', kill, { once: true });
  const progressToken = extra._meta?.progressToken;
  let pending = '';
  child.stdout.on('data', (chunk) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      if (!line.startsWith('frame=') || progressToken === undefined) continue;
      const frame = Number(line.slice(6));
      if (frame > 0 && !extra.signal.aborted) {
        extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken, progress: frame, total: totalFrames },
        }).catch(() => {});
      }
    }
  });
  const [code, signal] = await new Promise((resolve) => {
    child.on('close', (c, s) => resolve([c, s]));
  });
  extra.signal.removeEventListener('abort', kill);
  process.stderr.write(`request ${extra.requestId} settled\n`);
  if (extra.signal.aborted) throw new Error('cancelled');
  if (code !== 0) {
    return {
      isError: true,
      content: [{ type: 'text', text: `ffmpeg failed (${code ?? signal})` }],
    };
  }
  return {
    content: [{ type: 'text', text: `Rendered ${totalFrames} frames to ${path}` }],
  };
});

await server.connect(new StdioServerTransport());
