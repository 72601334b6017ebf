// Bad input on the socket: an oversized frame, random bytes after the WebSocket upgrade, well-formed frames
// carrying garbage, and garbage long-polling bodies. The offending connection is closed; the server and
// every other connection keep working.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { io as ioClient, type Socket } from 'socket.io-client';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, socketAuth, startTestApp, type Session, type TestApp } from '../helpers/auth';

/** Opens a raw WebSocket to the Socket.IO endpoint (our own bytes from then on); resolves after the 101. */
function rawUpgrade(port: number, cookie: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write(
        [
          'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1',
          `Host: 127.0.0.1:${port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          'Sec-WebSocket-Version: 13',
          `Cookie: ${cookie}`,
          '',
          '',
        ].join('\r\n'),
      );
    });
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      sock.off('data', onData);
      if (head.startsWith('HTTP/1.1 101')) resolve(sock);
      else reject(new Error(`no upgrade: ${head.split('\r\n')[0]}`));
    };
    sock.on('data', onData);
    sock.on('error', reject);
  });
}

/** A client→server WebSocket text frame (masked, as RFC 6455 requires of clients). */
function maskedFrame(payload: Buffer, opcode = 0x1): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([head, mask, body]);
}

function closed(sock: net.Socket, ms = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    if (sock.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    sock.on('error', () => undefined);
  });
}

for (const backend of backends()) {
  describe(`socket bad input (${backend})`, () => {
    let t: TestDb;
    let srv: TestApp;
    let port: number;
    let s: Session;
    let witness: Socket;
    beforeAll(async () => {
      t = await freshDb(backend, 'empty');
      srv = await startTestApp(t.db);
      port = Number(new URL(srv.baseUrl).port);
      s = await loginAs(srv.baseUrl, t.db, 'dispatcher');
      // a well-behaved client that must stay connected through everything below
      witness = ioClient(srv.baseUrl, { ...socketAuth(s), reconnection: false, forceNew: true });
      await new Promise<void>((resolve, reject) => {
        witness.on('connect', () => resolve());
        witness.on('connect_error', reject);
      });
    });
    afterAll(async () => {
      witness.close();
      await srv.close();
      await t.drop();
    });

    async function serverStillServes(): Promise<void> {
      expect(witness.connected).toBe(true);
      const ack = (await witness.timeout(5000).emitWithAck('events:sync', { afterId: 0 })) as { ok: boolean };
      expect(ack.ok).toBe(true);
      expect((await fetch(`${srv.baseUrl}/healthz`)).status).toBe(200);
    }

    it('closes a connection that sends a frame over maxHttpBufferSize', async () => {
      const big = ioClient(srv.baseUrl, { ...socketAuth(s), reconnection: false, forceNew: true });
      await new Promise<void>((resolve) => big.on('connect', () => resolve()));
      const gone = new Promise<string>((resolve) => big.on('disconnect', (reason) => resolve(reason)));
      big.emit('events:sync', { afterId: 0, padding: 'x'.repeat(2_000_000) });
      expect(await gone).toMatch(/transport close|transport error/);
      big.close();
      await serverStillServes();
    });

    it('closes a WebSocket that sends random bytes (fast-check)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 4096 }), async (bytes) => {
          const sock = await rawUpgrade(port, s.cookie);
          sock.write(Buffer.from(bytes));
          // a frame the parser cannot finish may just wait for more bytes; ending our side must also close it
          const shut = await closed(sock, 1500);
          if (!shut) sock.end();
          expect(await closed(sock)).toBe(true);
        }),
        { numRuns: 25 },
      );
      await serverStillServes();
    });

    it('survives well-formed frames with garbage inside: not engine.io, bad socket.io packets, binary junk', async () => {
      const payloads = [
        Buffer.from('\u0000\u0001garbage'),
        Buffer.from('42["events:sync",'), // truncated socket.io event
        Buffer.from('4' + '9'.repeat(60)), // absurd packet id
        Buffer.from('42[{"__proto__":{"x":1}}]'),
        randomBytes(100),
      ];
      for (const p of payloads) {
        const sock = await rawUpgrade(port, s.cookie);
        sock.write(maskedFrame(p, p.length === 100 ? 0x2 : 0x1));
        const shut = await closed(sock, 1500);
        if (!shut) sock.end();
        expect(await closed(sock)).toBe(true);
      }
      await serverStillServes();
    });

    it('answers garbage long-polling bodies with a client error, not a crash', async () => {
      const hs = await fetch(`${srv.baseUrl}/socket.io/?EIO=4&transport=polling`, { headers: { cookie: s.cookie } });
      expect(hs.status).toBe(200);
      const sid = /"sid":"([^"]+)"/.exec(await hs.text())?.[1];
      expect(sid).toBeTruthy();
      const junk = await fetch(`${srv.baseUrl}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: randomBytes(5000) });
      expect(junk.status).toBeLessThan(500);
      const bogus = await fetch(`${srv.baseUrl}/socket.io/?EIO=4&transport=polling&sid=not-a-session`, { method: 'POST', body: '40' });
      expect(bogus.status).toBe(400);
      await serverStillServes();
    });
  });
}
