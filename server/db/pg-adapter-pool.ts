// A small, separate node-postgres pool for @socket.io/postgres-adapter (LISTEN/NOTIFY between server
// processes). It lives in the db module because only db files import a driver (ENGINEERING.md §2); it is
// separate from the query pool because the adapter holds one connection for LISTEN for its whole life.
import pg from 'pg';

export function openAdapterPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 3, application_name: 'grid-command-center:socket.io-adapter' });
  // A broken idle connection (server restart) must not crash the process; the adapter reconnects itself.
  pool.on('error', () => undefined);
  // The adapter checks one client out for LISTEN and keeps it: a server restart makes that checked-out client
  // emit 'error', which would crash the process without a listener of its own.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}
