import { mkdir, readFile } from 'node:fs/promises';
import { homedir, platform } from 'node:os';
import { join, resolve } from 'node:path';
import { TallystickError } from '@tallystick/core';
import { writeFileAtomic } from './file-storage-adapter.js';

/**
 * The data folder: `--data DIR`, else `TALLYSTICK_DATA`, else the platform's app-data folder.
 *   tallystick.json   which co-ops this device holds (catalog document of each), the default one
 *   device-key.json   this device's Ed25519 key, encrypted under the passphrase
 *   storage/          Automerge chunks (crash-safe adapter), quarantine/ for damaged ones (recovered/
 *                     once a peer or a backup brought their documents back: storage-damage.ts)
 *   pending/          write-ahead batches: entries promised to the user, not yet in the documents
 *   index/            derived, rebuildable caches for fast cold reports
 *   network/          what replication learns: peers.json (known peers), listen.json (the peer's ports),
 *                     peer.json (while `tallystick peer` runs), join.json (while `join` fetches);
 *                     never replicated, safe to delete
 */
export interface DataFolderConfig {
  format: 'tallystick-data';
  version: 1;
  defaultCoop?: string;
  coops: Record<string, { name: string; catalog: string; genesis: string }>;
  /** Federations of co-ops this folder holds (issue 6): the federation's document, and per member co-op here, the account its credit postings go against. */
  federations?: Record<string, FederationRecord>;
}

export interface FederationRecord {
  name: string;
  document: string;
  genesis: string;
  /** co-op id → the account of its books that payments in and out are posted against. */
  accounts: Record<string, string>;
  /** Where a member peer of it listens (the inviter's addresses, from the code `federation fetch` used): the peer dials them. */
  peers?: string[];
}

export class DataFolder {
  readonly dir: string;
  config: DataFolderConfig;

  private constructor(dir: string, config: DataFolderConfig) {
    this.dir = dir;
    this.config = config;
  }

  get configPath(): string { return join(this.dir, 'tallystick.json'); }
  get keyPath(): string { return join(this.dir, 'device-key.json'); }
  get storageDir(): string { return join(this.dir, 'storage'); }
  get pendingDir(): string { return join(this.dir, 'pending'); }
  get indexDir(): string { return join(this.dir, 'index'); }

  static async open(dir: string, options: { create?: boolean } = {}): Promise<DataFolder> {
    const absolute = resolve(dir);
    const configPath = join(absolute, 'tallystick.json');
    let text: string | undefined;
    try {
      text = await readFile(configPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text === undefined) {
      if (!options.create) {
        throw new TallystickError('no_data_folder', `no Tallystick data in ${absolute}: run \`tallystick init --coop NAME --member NAME\` first, or pass --data DIR`);
      }
      await mkdir(absolute, { recursive: true, mode: 0o700 });
      return new DataFolder(absolute, { format: 'tallystick-data', version: 1, coops: {} });
    }
    let config: DataFolderConfig;
    try {
      config = JSON.parse(text) as DataFolderConfig;
    } catch {
      throw new TallystickError('corrupt_config', `${configPath} is not valid JSON; it was not changed. Restore it from a backup or fix it by hand`);
    }
    if (config.format !== 'tallystick-data' || config.version !== 1 || typeof config.coops !== 'object') {
      throw new TallystickError('unknown_config_version', `${configPath} is not a Tallystick data folder of a version this program reads (format ${String(config.format)}, version ${String(config.version)})`);
    }
    return new DataFolder(absolute, config);
  }

  async saveConfig(): Promise<void> {
    await writeFileAtomic(this.configPath, Buffer.from(`${JSON.stringify(this.config, null, 2)}\n`));
  }

  /** The co-op a command acts on: the one named, else the default. */
  coopId(requested?: string): string {
    const ids = Object.keys(this.config.coops);
    if (requested) {
      const match = ids.find((id) => id === requested) ?? ids.find((id) => this.config.coops[id]!.name === requested);
      if (!match) throw new TallystickError('unknown_coop', `this data folder holds no co-op "${requested}" (it holds: ${ids.map((id) => this.config.coops[id]!.name).join(', ') || 'none'})`);
      return match;
    }
    const chosen = this.config.defaultCoop ?? ids[0];
    if (!chosen) throw new TallystickError('no_coop', `${this.dir} holds no co-op yet: run \`tallystick init --coop NAME --member NAME\``);
    return chosen;
  }
}

/** Where data lives when neither --data nor TALLYSTICK_DATA says. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TALLYSTICK_DATA) return env.TALLYSTICK_DATA;
  const home = homedir();
  switch (platform()) {
    case 'darwin': return join(home, 'Library', 'Application Support', 'Tallystick');
    case 'win32': return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Tallystick');
    default: return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'tallystick');
  }
}
