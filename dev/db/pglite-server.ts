import { createServer, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";

/** Options for {@link servePglite}. */
export interface PgliteServerOptions {
  db: PGlite;
  host: string;
  /** 0 = let the OS pick. */
  port: number;
  maxConnections: number;
  /** See EmbeddedPostgresOptions.blockingTransactionTimeoutMs; 0 disables. */
  blockingTimeoutMs: number;
  log: (message: string) => void;
}

/** A listening server; see {@link servePglite}. */
export interface PgliteServer {
  port: number;
  /** Stops listening, drops all clients (rolling back their work) and waits for that cleanup. */
  stop(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const READY_FOR_QUERY = 0x5a; // 'Z'
const IDLE = 0x49; // 'I'
const TERMINATE = 0x58; // 'X'
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

/**
 * Serves one PGlite instance to many Postgres wire-protocol clients.
 *
 * PGlite is a single backend, so connections take turns: a connection owns the backend from its
 * first message until the backend reports ReadyForQuery with status Idle. That keeps each
 * Parse/Bind/Execute/Sync round and each explicit transaction atomic. (pglite-socket's own
 * multiplexer switches connections between individual messages, which let another connection's
 * Parse replace the unnamed statement between our Parse and Bind whenever a message spanned TCP
 * chunks — wrong results or errors under concurrency.)
 */
export async function servePglite(options: PgliteServerOptions): Promise<PgliteServer> {
  const { db, maxConnections, blockingTimeoutMs, log } = options;
  const gate = new Gate<Connection>();
  const connections = new Set<Connection>();

  const server = createServer((socket) => {
    if (connections.size >= maxConnections) {
      socket.on("error", () => socket.destroy());
      socket.end(errorResponse("53300", "sorry, too many clients already (embedded PGlite)"));
      return;
    }
    const connection = new Connection(socket, db, gate, log);
    connections.add(connection);
    void connection.finished.then(() => connections.delete(connection));
  });

  const watchdog = setInterval(
    () => {
      if (blockingTimeoutMs <= 0) return;
      const owner = gate.owner;
      if (!owner || gate.waiting === 0 || owner.busy) return;
      if (Date.now() - owner.lastActivity < blockingTimeoutMs) return;
      log(
        `terminating a connection that held PGlite (open transaction) idle for ${blockingTimeoutMs} ms while others waited`,
      );
      owner.terminate(
        errorResponse("25P03", "terminating connection due to idle-in-transaction timeout (embedded PGlite)"),
      );
    },
    Math.min(1_000, Math.max(50, blockingTimeoutMs / 4)),
  );
  watchdog.unref();

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();

  return {
    port: typeof address === "object" && address ? address.port : options.port,
    async stop() {
      clearInterval(watchdog);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections) connection.socket.destroy();
      await Promise.all([...connections].map((c) => c.finished));
      await closed;
    },
  };
}

/** One client connection: frames its messages and runs them on PGlite when it owns the gate. */
class Connection {
  busy = false;
  lastActivity = Date.now();
  readonly finished: Promise<void>;
  private input = Buffer.alloc(0);
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes `input` must reach before a complete message can exist. */
  private needed = 1;
  private started = false;
  private closed = false;
  private pumping = false;
  private cleaned = false;
  private readonly tracker = new ReadyTracker();
  private done!: () => void;

  constructor(
    readonly socket: Socket,
    private readonly db: PGlite,
    private readonly gate: Gate<Connection>,
    private readonly log: (message: string) => void,
  ) {
    this.finished = new Promise((resolve) => {
      this.done = resolve;
    });
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      // Collect chunks and join them only when a whole message can be there, so a large
      // message is not re-copied on every chunk.
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.input.length + this.pendingBytes < this.needed) return;
      this.input = Buffer.concat([this.input, ...this.pending]);
      this.pending = [];
      this.pendingBytes = 0;
      void this.pump();
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      this.closed = true;
      this.gate.cancel(this);
      void this.pump();
    });
  }

  /** Sends `message` (a FATAL ErrorResponse) and closes; cleanup then rolls back. */
  terminate(message: Buffer): void {
    this.lastActivity = Date.now();
    this.socket.end(message);
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let batch = this.nextBatch(); batch && !this.closed; batch = this.nextBatch()) {
        if (batch.length === 0) continue;
        if (!(await this.gate.acquire(this))) break;
        await this.execute(batch);
        if (this.tracker.status === IDLE) this.gate.release(this);
      }
    } catch (error) {
      this.log(`connection failed: ${(error as Error).message}`);
      this.terminate(errorResponse("XX000", (error as Error).message));
      this.closed = true;
    } finally {
      this.pumping = false;
    }
    if (this.closed) await this.cleanup();
  }

  private async execute(batch: Buffer): Promise<void> {
    this.busy = true;
    try {
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(batch, {
          onRawData: (data) => {
            this.tracker.feed(data);
            // PGlite reuses its output buffer, so copy before the asynchronous write.
            if (this.socket.writable) this.socket.write(Buffer.from(data));
          },
        }),
      );
    } finally {
      this.busy = false;
      this.lastActivity = Date.now();
    }
  }

  /** After disconnect: end any half-done protocol round and roll back, as a real backend exit would. */
  private async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    if (this.gate.owner === this && !this.db.closed) {
      try {
        await this.db.runExclusive(async () => {
          const discard = { onRawData: () => {} };
          await this.db.execProtocolRawStream(SYNC, discard);
          if (this.db.isInTransaction()) await this.db.execProtocolRawStream(simpleQuery("ROLLBACK"), discard);
        });
      } catch (error) {
        this.log(`cleanup after disconnect failed: ${(error as Error).message}`);
      }
    }
    this.gate.release(this);
    this.done();
  }

  /**
   * Takes the next unit to run from `input`: the startup packet alone, or every complete typed
   * message. Returns an empty buffer when something was handled locally, null when more bytes
   * are needed.
   */
  private nextBatch(): Buffer | null {
    const input = this.input;
    this.needed = 1;
    if (!this.started) {
      if (input.length < 8) return this.need(8);
      const length = input.readInt32BE(0);
      if (length < 8) throw new Error(`invalid startup packet length ${length}`);
      if (input.length < length) return this.need(length);
      const code = input.readInt32BE(4);
      this.input = input.subarray(length);
      if (code === SSL_REQUEST || code === GSS_REQUEST) {
        this.socket.write("N");
        return Buffer.alloc(0);
      }
      if (code === CANCEL_REQUEST || code >> 16 !== 3) {
        // There is no separate backend process to signal, so a cancel request is just closed.
        if (code !== CANCEL_REQUEST) this.socket.write(errorResponse("08P01", `unsupported protocol ${code}`));
        this.socket.end();
        return null;
      }
      this.started = true;
      return input.subarray(0, length);
    }
    let end = 0;
    while (end + 5 <= input.length) {
      if (input[end] === TERMINATE) {
        if (end > 0) break;
        // PGlite must never see Terminate; closing the socket is how the session ends here.
        this.input = Buffer.alloc(0);
        this.socket.end();
        return null;
      }
      const size = 1 + input.readInt32BE(end + 1);
      if (size < 5) throw new Error(`invalid message length ${size - 1}`);
      if (end + size > input.length) break;
      end += size;
    }
    if (end === 0) return this.need(input.length >= 5 ? 1 + input.readInt32BE(1) : 5);
    this.input = input.subarray(end);
    return input.subarray(0, end);
  }

  private need(bytes: number): null {
    this.needed = bytes;
    return null;
  }
}

/** A FIFO lock with an owner; waiters can be cancelled when their connection goes away. */
class Gate<T> {
  owner: T | null = null;
  private waiters: Array<{ who: T; go: (granted: boolean) => void }> = [];

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(who: T): Promise<boolean> {
    if (this.owner === null || this.owner === who) {
      this.owner = who;
      return Promise.resolve(true);
    }
    return new Promise((go) => this.waiters.push({ who, go }));
  }

  release(who: T): void {
    if (this.owner !== who) return;
    const next = this.waiters.shift();
    this.owner = next ? next.who : null;
    next?.go(true);
  }

  cancel(who: T): void {
    for (const waiter of this.waiters.filter((w) => w.who === who)) waiter.go(false);
    this.waiters = this.waiters.filter((w) => w.who !== who);
  }
}

/** Follows backend message framing across output chunks to see whether the backend ended idle. */
class ReadyTracker {
  /** Status byte of ReadyForQuery when that was the last complete message, else null. */
  status: number | null = null;
  private header = Buffer.alloc(5);
  private headerBytes = 0;
  private remaining = 0;
  private type = 0;

  feed(data: Uint8Array): void {
    let i = 0;
    while (i < data.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, data.length - i);
        this.remaining -= n;
        i += n;
        if (this.remaining === 0 && this.type === READY_FOR_QUERY) this.status = data[i - 1] ?? null;
        continue;
      }
      if (this.headerBytes === 0) this.status = null;
      this.header[this.headerBytes++] = data[i++] ?? 0;
      if (this.headerBytes === 5) {
        this.type = this.header[0] ?? 0;
        this.remaining = this.header.readInt32BE(1) - 4;
        this.headerBytes = 0;
      }
    }
  }
}

/** A wire-protocol ErrorResponse with severity FATAL. */
function errorResponse(code: string, message: string): Buffer {
  return typedMessage("E", Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, "utf8"));
}

function simpleQuery(sql: string): Buffer {
  return typedMessage("Q", Buffer.from(`${sql}\0`, "utf8"));
}

function typedMessage(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, "ascii");
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}
