// The proxy's preStop drain, run for real with bash against a stand-in Envoy
// admin on loopback: it asks for a graceful inbound drain, waits while the
// app still has outbound connections open, and ends — never hangs — when the
// window closes, the connections are gone, or the admin stops answering.
// In-process (make check): the script is pure output of drainCommand(), and
// each run takes at most a few seconds. Every outcome is told by what the
// script says and how it exits, never by how long it took: a window that
// ended says so, a drain that returned early says nothing.

import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { drainCommand, OUTBOUND_ACTIVE_STAT } from '../../src/inject/drain.js';
import { runScript, type ScriptRun } from '../support/script-run.js';

function runDrain(drainSeconds: number, adminPort: number): Promise<ScriptRun> {
  return runScript(drainCommand(drainSeconds, adminPort), drainSeconds + 10);
}

/** A stand-in admin interface on a port of its own: answers each request line with `answer`. */
async function withAdmin(answer: (requestLine: string, socket: Socket) => void, body: (adminPort: number) => Promise<void>): Promise<string[]> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', (chunk: Buffer) => {
      const requestLine = chunk.toString('latin1').split('\r\n')[0] ?? '';
      requests.push(requestLine);
      answer(requestLine, socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  try {
    await body((server.address() as AddressInfo).port);
  } finally {
    for (const socket of sockets) socket.destroy();
    server.close();
  }
  return requests;
}

/** A loopback port that was free a moment ago: nothing listens there. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const stats = (active: number): string => `HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\n${OUTBOUND_ACTIVE_STAT}: ${active}\n`;
const DRAIN_REQUEST = 'POST /drain_listeners?inboundonly&graceful HTTP/1.0';
const STATS_REQUEST = `GET /stats?filter=^${OUTBOUND_ACTIVE_STAT}$ HTTP/1.0`;

describe('preStop drain', { concurrency: true }, () => {
  it('drains inbound, waits while outbound connections are open, and returns once they are closed', async () => {
    let polls = 0;
    const requests = await withAdmin(
      (line, socket) => {
        if (line.startsWith('POST')) return void socket.end('HTTP/1.0 200 OK\r\n\r\nOK\n');
        polls += 1;
        socket.end(stats(polls < 3 ? 2 : 0));
      },
      async (port) => {
        // Nothing said: it returned once the connections were gone, well before the window's end.
        assert.deepEqual(await runDrain(20, port), { code: 0, stderr: '', killed: false });
      },
    );
    assert.deepEqual(requests, [DRAIN_REQUEST, STATS_REQUEST, STATS_REQUEST, STATS_REQUEST]);
  });

  it('returns at once when no outbound connection is open', async () => {
    await withAdmin(
      (line, socket) => socket.end(line.startsWith('POST') ? 'HTTP/1.0 200 OK\r\n\r\n' : stats(0)),
      async (port) => {
        assert.deepEqual(await runDrain(20, port), { code: 0, stderr: '', killed: false });
      },
    );
  });

  it('ends when the drain window does, saying how many connections were still open', async () => {
    await withAdmin(
      (line, socket) => socket.end(line.startsWith('POST') ? 'HTTP/1.0 200 OK\r\n\r\n' : stats(7)),
      async (port) => {
        assert.deepEqual(await runDrain(2, port), { code: 0, stderr: 'drain window of 2s over with 7 outbound connections still open\n', killed: false });
      },
    );
  });

  it('says so and ends when the admin interface is not there', async () => {
    const port = await freePort();
    assert.deepEqual(await runDrain(20, port), { code: 0, stderr: 'envoy admin is not answering: nothing to drain\n', killed: false });
  });

  it('ends, not hangs, when the admin interface accepts and never answers', async () => {
    await withAdmin(
      () => undefined,
      async (port) => {
        // Each admin read is bounded (2 s): the silent admin counts as not answering.
        assert.deepEqual(await runDrain(30, port), { code: 0, stderr: 'envoy admin is not answering: nothing to drain\n', killed: false });
      },
    );
  });

  it('stops waiting when the admin interface goes away in the middle of the drain', async () => {
    await withAdmin(
      (line, socket) => (line.startsWith('POST') ? socket.end('HTTP/1.0 200 OK\r\n\r\n') : socket.destroy()),
      async (port) => {
        assert.deepEqual(await runDrain(20, port), { code: 0, stderr: 'envoy admin stopped answering while draining\n', killed: false });
      },
    );
  });
});
