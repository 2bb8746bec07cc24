// A SockJS server that says who it is, and serves the browser page and the SockJS client under /sockjs/.
// Usage: node server.js NAME. Prints "listening PORT" once ready.
const http = require('http');
const fs = require('fs');
const path = require('path');
const sockjs = require('sockjs');

const name = process.argv[2];
const files = {
  '/sockjs/page.html': [path.join(__dirname, 'page.html'), 'text/html'],
  '/sockjs/sockjs.min.js': [require.resolve('sockjs-client/dist/sockjs.min.js'), 'application/javascript'],
};
const echo = sockjs.createServer({ log: () => {} });
echo.on('connection', (conn) => {
  conn.on('data', () => conn.write(JSON.stringify({ name, transport: conn.protocol })));
});
const server = http.createServer((req, res) => {
  const file = files[req.url.split('?')[0]];
  if (!file) {
    res.writeHead(404);
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': file[1], 'Cache-Control': 'no-store' });
  fs.createReadStream(file[0]).pipe(res);
});
echo.installHandlers(server, { prefix: '/sockjs/echo' });
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
