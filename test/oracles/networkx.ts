import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/*
 * networkx's network simplex as the oracle for clearing and for core's min-cost flow solver, through
 * test/oracles/networkx_clearing.py on Debian's python3 (python3-networkx). One process answers a whole
 * batch, so property tests pay Python's start-up once.
 */

export const NETWORKX_SCRIPT = join(import.meta.dirname, 'networkx_clearing.py');
/** Debian's interpreter, where python3-networkx lives; `python3` on PATH otherwise. */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** One obligation for the oracle: debtor, creditor, whole minor units. */
export type OracleObligation = readonly [debtor: string, creditor: string, units: bigint];

export interface OracleFlowProblem {
  readonly nodes: number;
  /** [source, target, capacity, cost] */
  readonly arcs: readonly (readonly [number, number, number, number])[];
  /** What each node sends (negative: receives). */
  readonly supplies: readonly number[];
}

interface OracleAnswer {
  readonly networkx: string;
  readonly cleared?: string[];
  readonly costs?: string[];
}

/** The most each graph's obligations can clear, in minor units, by networkx. */
export async function networkxClearedUnits(graphs: readonly (readonly OracleObligation[])[]): Promise<bigint[]> {
  const request = { graphs: graphs.map((graph) => graph.map(([debtor, creditor, units]) => [debtor, creditor, units.toString()])) };
  const answer = await askOracle(request);
  return answer.cleared!.map((text) => BigInt(text));
}

/** The least cost of each flow problem by networkx, or 'infeasible'. */
export async function networkxMinCosts(problems: readonly OracleFlowProblem[]): Promise<(bigint | 'infeasible')[]> {
  const answer = await askOracle({ flows: problems });
  return answer.costs!.map((text) => (text === 'infeasible' ? 'infeasible' : BigInt(text)));
}

function askOracle(request: unknown): Promise<OracleAnswer> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, [NETWORKX_SCRIPT], { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`networkx oracle failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as OracleAnswer);
    });
    // Amounts travel as strings: JSON numbers past 2^53 would lose digits on the way.
    child.stdin!.end(JSON.stringify(request));
  });
}
