// The classic-mode postStart wait, run for real with bash against loopback:
// it returns once Envoy's /ready answers 200, and gives up with a message —
// never hangs — when nothing answers or a listener accepts and stays silent.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { PROXY_PORT } from '../../src/model/names.js';
import { waitForProxyCommand } from '../../src/inject/sidecar.js';
import { runScript, type ScriptRun } from '../support/script-run.js';

function runWait(timeoutSeconds: number): Promise<ScriptRun> {
  return runScript(waitForProxyCommand(timeoutSeconds), timeoutSeconds + 8);
}

async function withHealthPort(onConnection: (socket: import('node:net').Socket) => void, body: () => Promise<void>): Promise<void> {
  const server: Server = createServer((socket) => {
    // The wait reads one line and closes: the rest of the answer meets a reset.
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(PROXY_PORT.health, '127.0.0.1', resolve);
  });
  try {
    await body();
  } finally {
    server.close();
  }
}

describe('hold-application postStart wait', () => {
  it('returns 0 as soon as /ready answers 200', async () => {
    await withHealthPort(
      (socket) => socket.once('data', () => socket.end('HTTP/1.0 200 OK\r\n\r\nLIVE\n')),
      async () => {
        assert.deepEqual(await runWait(5), { code: 0, stderr: '', killed: false });
      },
    );
  });

  it('gives up with a message when nothing listens', async () => {
    assert.deepEqual(await runWait(2), { code: 1, stderr: 'envoy was not ready after 2s\n', killed: false });
  });

  it('gives up, not hangs, when a listener accepts and never answers', async () => {
    const held: import('node:net').Socket[] = [];
    await withHealthPort(
      (socket) => held.push(socket),
      async () => {
        assert.deepEqual(await runWait(2), { code: 1, stderr: 'envoy was not ready after 2s\n', killed: false });
      },
    );
    for (const socket of held) socket.destroy();
  });

  it('keeps polling while /ready says 503, then returns once it says 200', async () => {
    let polls = 0;
    await withHealthPort(
      (socket) =>
        socket.once('data', () => {
          polls += 1;
          socket.end(polls < 3 ? 'HTTP/1.0 503 Service Unavailable\r\n\r\n' : 'HTTP/1.0 200 OK\r\n\r\n');
        }),
      async () => {
        assert.deepEqual(await runWait(10), { code: 0, stderr: '', killed: false });
      },
    );
    assert.equal(polls, 3, 'two 503 answers were waited through');
  });
});
