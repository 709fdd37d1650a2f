// Shared by the SDK client tests: the built binaries and a real renderer.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import assert from 'node:assert/strict';

export const binDir = process.env.STOPFRAME_BIN_DIR;
assert.ok(binDir, 'STOPFRAME_BIN_DIR must point at the build directory');
export const gatewayBin = join(binDir, 'gateway/stopframe-gateway');
export const rendererBin = join(binDir, 'renderer/stopframe-renderer');

// Starts a renderer on port 0 and reads its address from the ready pipe.
export function startRenderer() {
  return new Promise((resolve, reject) => {
    const child = spawn(rendererBin, ['--listen=127.0.0.1:0', '--ready_fd=3'],
      { stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
    let line = '';
    const timer = setTimeout(() => reject(new Error('renderer did not start')), 20000);
    child.stdio[3].on('data', (d) => {
      line += d.toString();
      if (line.includes('\n')) {
        clearTimeout(timer);
        resolve({ child, target: line.trim() });
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`renderer exited with ${code}`)));
  });
}
