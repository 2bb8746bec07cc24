// A Socket.IO server that says who it is. Usage: node server.js NAME
// Prints "listening PORT" once ready. Sets the `io` cookie (Engine.IO session id) so a gateway can learn it.
const http = require('http');
const { Server } = require('socket.io');

const name = process.argv[2];
const server = http.createServer();
const io = new Server(server, { cookie: { name: 'io', path: '/', httpOnly: true } });
io.on('connection', (socket) => {
  socket.on('whoami', (ack) => ack({ name, transport: socket.conn.transport.name }));
});
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
