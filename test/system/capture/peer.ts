// A tiny TCP peer for the traffic-capture test, run inside a network
// namespace (`ip netns exec`), where the test process itself cannot go.
//   node peer.js serve LABEL@PORT...   answers each connection with "LABEL"
//                                      and prints "ready" once all listen
//   node peer.js connect HOST PORT     prints the first line it is sent,
//                                      "refused" or "timeout"
//   node peer.js udp HOST PORT         sends one datagram, prints the reply
// A spec "udp:LABEL@PORT" answers datagrams instead of TCP connections.
// Servers listen dual-stack on "::", so IPv4 and IPv6 reach the same label.

import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { connect, createServer } from 'node:net';

const [mode, ...rest] = process.argv.slice(2);

if (mode === 'serve') {
  let listening = 0;
  const ready = (): void => {
    listening += 1;
    if (listening === rest.length) process.stdout.write('ready\n');
  };
  for (const spec of rest) {
    if (spec.startsWith('udp:')) {
      const [label, port] = spec.slice(4).split('@');
      const socket = createSocket({ type: 'udp6', ipv6Only: false });
      socket.on('message', (_message, from) => socket.send(`${label}\n`, from.port, from.address));
      socket.bind(Number(port), '::', ready);
      continue;
    }
    const [label, port] = spec.split('@');
    const server = createServer((socket) => {
      socket.end(`${label}\n`);
    });
    server.listen({ host: '::', port: Number(port), ipv6Only: false }, ready);
  }
} else if (mode === 'connect') {
  const [host = '', port = '0'] = rest;
  const socket = connect({ host, port: Number(port) });
  let data = '';
  const finish = (text: string): void => {
    process.stdout.write(`${text}\n`);
    process.exit(0);
  };
  socket.setTimeout(3000, () => finish('timeout'));
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString();
    if (data.includes('\n')) finish(data.split('\n')[0] ?? '');
  });
  socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ECONNREFUSED' ? 'refused' : `error ${error.code ?? error.message}`));
  socket.on('end', () => finish(data.trim() || 'closed'));
} else if (mode === 'udp') {
  const [host = '', port = '0'] = rest;
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  const timer = setTimeout(() => {
    process.stdout.write('timeout\n');
    process.exit(0);
  }, 3000);
  socket.on('message', (message) => {
    clearTimeout(timer);
    process.stdout.write(`${message.toString().trim()}\n`);
    process.exit(0);
  });
  socket.send('ping', Number(port), host);
} else {
  process.stderr.write('usage: peer.js serve [udp:]LABEL@PORT... | connect HOST PORT | udp HOST PORT\n');
  process.exit(2);
}
