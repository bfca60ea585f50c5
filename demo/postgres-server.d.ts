// Types for demo/postgres-server.js, which stays plain JavaScript so the demo runs without a build.

export const DEMO_DATABASE: string;

export interface StartedPostgres {
  /** Superuser URL of the `postgres` database on 127.0.0.1. */
  url: string;
  port: number;
  /** Folder of the server's Unix socket (`.s.PGSQL.<port>`). */
  socketDir: string;
  dataDir: string;
  /** True when the server has a self-signed certificate and `ssl = on`. */
  ssl: boolean;
  /** Superuser password, also part of `url`. */
  password: string;
  /** Fast shutdown: open sessions get 57P01 (admin shutdown). */
  stop(): Promise<void>;
}

export interface SeededDemo {
  superuserUrl: string;
  readerUrl: string;
  appUrl: string;
  appReadonlyUrl: string;
}

export function startPostgres(options?: { dataDir?: string; port?: number; ssl?: boolean }): Promise<StartedPostgres>;
export function seedDemo(superuserUrl: string): Promise<SeededDemo>;
export function withDatabase(url: string, database: string): string;
