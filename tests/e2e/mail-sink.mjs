// A real SMTP server on loopback for the browser tests: run.sh starts it before the app and points
// ITF_SMTP_URL at it, so mail (invitations, password resets, notices) really leaves the app and the
// tests read the links people would click from the messages.
//
//   node mail-sink.mjs DIR     # listens on 127.0.0.1, prints "mail-sink listening on PORT", and
//                              # writes each accepted message to DIR as NNNNNN.json {to, data}
//
// It speaks enough of RFC 5321 for lettre: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
import { createServer } from 'node:net';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node mail-sink.mjs DIR');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
let count = 0;

function keep(to, data) {
  count += 1;
  const name = String(count).padStart(6, '0');
  // Written whole, then renamed: a reader never sees half a message.
  const partial = join(dir, `${name}.partial`);
  writeFileSync(partial, JSON.stringify({ to, data }));
  renameSync(partial, join(dir, `${name}.json`));
}

const server = createServer((socket) => {
  socket.setEncoding('utf8');
  let buffered = '';
  let inData = false;
  let data = [];
  let to = [];
  const reply = (text) => socket.write(`${text}\r\n`);
  reply('220 mail-sink.invalid ESMTP ready');

  socket.on('data', (chunk) => {
    buffered += chunk;
    let end;
    while ((end = buffered.indexOf('\r\n')) !== -1) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (inData) {
        if (line === '.') {
          inData = false;
          keep(to, data.join('\r\n'));
          to = [];
          data = [];
          reply('250 OK queued');
        } else {
          data.push(line.startsWith('.') ? line.slice(1) : line);
        }
        continue;
      }
      const command = line.toUpperCase();
      if (command.startsWith('EHLO')) {
        socket.write('250-mail-sink.invalid\r\n250 8BITMIME\r\n');
      } else if (command.startsWith('HELO') || command.startsWith('NOOP')) {
        reply('250 OK');
      } else if (command.startsWith('MAIL FROM')) {
        to = [];
        reply('250 OK');
      } else if (command.startsWith('RCPT TO')) {
        to.push(line.slice(8).trim().replace(/^</, '').replace(/>$/, ''));
        reply('250 OK');
      } else if (command.startsWith('RSET')) {
        to = [];
        reply('250 OK');
      } else if (command.startsWith('DATA')) {
        inData = true;
        reply('354 go ahead');
      } else if (command.startsWith('QUIT')) {
        reply('221 bye');
        socket.end();
      } else {
        reply('502 not implemented');
      }
    }
  });
  socket.on('error', () => {});
});

server.listen(0, '127.0.0.1', () => {
  console.log(`mail-sink listening on ${server.address().port}`);
});
