// Connects to a gateway with the Socket.IO client (HTTP long-polling first, then the WebSocket upgrade
// unless told polling only), asks "whoami" several times, prints one JSON line and exits.
// Usage: node client.js URL PATH polling|upgrade COUNT
// Output: ok=true|false names=a,a,a transport=websocket errors=...
const { io } = require('socket.io-client');

const [url, path, mode, count] = [process.argv[2], process.argv[3], process.argv[4], Number(process.argv[5])];
const transports = mode === 'polling' ? ['polling'] : ['polling', 'websocket'];
const socket = io(url, { path, transports, reconnection: false, timeout: 5000 });
const names = [];
const errors = [];
const finish = (ok) => {
  const transport = socket.io.engine && socket.io.engine.transport ? socket.io.engine.transport.name : 'none';
  console.log('ok=' + ok + ' names=' + names.join(',') + ' transport=' + transport + ' errors=' + errors.join(';'));
  socket.close();
  process.exit(0);
};
const ask = (left) => {
  if (left === 0) {
    finish(true);
    return;
  }
  socket.timeout(5000).emit('whoami', (err, answer) => {
    if (err) {
      errors.push(String(err));
      finish(false);
      return;
    }
    names.push(answer.name);
    // Spread the questions over time so both polling and (after the upgrade) WebSocket carry some.
    setTimeout(() => ask(left - 1), 50);
  });
};
socket.on('connect', () => ask(count));
socket.on('connect_error', (err) => {
  errors.push('connect_error: ' + err.message);
  finish(false);
});
socket.io.engine && socket.io.engine.on('upgradeError', (err) => errors.push('upgradeError: ' + err.message));
setTimeout(() => {
  errors.push('timed out');
  finish(false);
}, 20000);
