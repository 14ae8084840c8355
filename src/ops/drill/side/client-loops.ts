/** The clients of one side workload, each running its loop until `stop()`. */
export class ClientLoops<C extends { close(): void }> {
  readonly #stop = new AbortController();
  readonly #clients: C[] = [];
  #loops: Promise<void>[] = [];

  /** Aborted once `stop()` was called: loops end on it, and pauses inside them are cut short. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  get stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Makes `count` clients and runs `loop` on each (nothing once stopping). */
  start(count: number, newClient: () => C, loop: (index: number, client: C) => Promise<void>): void {
    for (let i = 0; i < count && !this.stopping; i++) {
      const client = newClient();
      this.#clients.push(client);
      this.#loops.push(loop(i, client));
    }
  }

  /** Stops issuing operations, waits for those in flight, and closes every client. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#loops);
    this.#loops = [];
    for (const c of this.#clients.splice(0)) c.close();
  }
}
