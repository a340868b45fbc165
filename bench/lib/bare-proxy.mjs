// The least a proxy hop can cost on this machine: an HTTP server that forwards every request to
// one upstream through an undici pool and sends the buffered answer back. No routing, no checks.
// Measured beside the gateway so a benchmark can tell the hop's cost from the gateway's own.
import { Buffer } from 'node:buffer';
import http from 'node:http';
import process from 'node:process';
import { Pool } from 'undici';

const [upstream, port] = process.argv.slice(2);
const pool = new Pool(upstream, { connections: 128 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

const server = http.createServer(async (req, res) => {
  try {
    const answer = await pool.request({
      path: req.url,
      method: req.method,
      headers: req.headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
    });
    const body = Buffer.from(await answer.body.arrayBuffer());
    const headers = {};
    for (const [k, v] of Object.entries(answer.headers)) if (!HOP.has(k)) headers[k] = v;
    headers['content-length'] = body.length;
    res.writeHead(answer.statusCode, headers);
    res.end(body);
  } catch {
    res.writeHead(502);
    res.end();
  }
});
server.listen(Number(port), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
