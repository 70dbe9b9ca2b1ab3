// A small job scheduler: queues, retries and a clock you can replace.
export type Job = {
  id: string;
  run: () => Promise<void>;

  retries?: number;
};

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class Scheduler {
  private readonly queue: Job[] = [];
  private running = 0;
  readonly failures = new Map<string, number>();

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly limit = 2,
  ) {}

  add(job: Job): number {
    this.queue.push(job);
    const size = this.queue.length;

    return size;
  }

  async drain(): Promise<number> {
    let done = 0;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.limit);
      this.running = batch.length;

      const results = await Promise.allSettled(
        batch.map((job) => this.attempt(job)),
      );
      done += results.filter((r) => r.status === "fulfilled").length;
      this.running = 0;
    }

    return done;
  }

  private async attempt(job: Job): Promise<void> {
    const tries = job.retries ?? 1;
    for (let i = 0; i < tries; i++) {
      try {
        await job.run();
        return;
      } catch (error) {
        const count = (this.failures.get(job.id) ?? 0) + 1;
        this.failures.set(job.id, count);

        await this.clock.sleep(2 ** i * 10);
      }
    }
    throw new Error(`job ${job.id} failed ${tries} times`);
  }

  get busy(): boolean {
    const queued = this.queue.length;
    return this.running > 0 || queued > 0;
  }
}

export function backoff(attempt: number, base = 10, cap = 1000): number {
  const raw = base * 2 ** attempt;
  const jitter = Math.floor(Math.random() * base);

  const delay = Math.min(cap, raw + jitter);
  return delay;
}
