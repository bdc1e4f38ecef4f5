/**
 * npm run bench [-- --runs N] [--only attack,cli,rest,refresh,fleet]: benchmarks, printed as one table.
 */
import os from "node:os";
import { benchAttackIngest } from "./bench/attack-ingest";
import { benchBombs } from "./bench/bombs";
import { benchCli } from "./bench/cli";
import { benchFleet } from "./bench/fleet";
import { benchLoad } from "./bench/load";
import { benchRefresh } from "./bench/refresh";
import { benchRest } from "./bench/rest";
import { printTable, type Row } from "./bench/table";
import { flag, parseArgs } from "./lib/cli";

const { flags } = parseArgs(process.argv.slice(2));
const runs = Number.parseInt(flag(flags, "runs") ?? "3", 10);
const only = new Set((flag(flags, "only") ?? "attack,cli,rest,refresh,fleet").split(","));

const rows: Row[] = [];
if (only.has("attack")) rows.push(...benchAttackIngest(runs));
if (only.has("cli")) rows.push(...(await benchCli()));
if (only.has("rest")) rows.push(...(await benchRest()));
if (only.has("refresh")) rows.push(...(await benchRefresh()));
if (only.has("fleet")) rows.push(...(await benchFleet()));
if (only.has("bombs")) rows.push(...(await benchBombs()));
if (only.has("load")) rows.push(...(await benchLoad()));
printTable(`TTPscope benchmarks — node ${process.version}, ${os.cpus().length} CPUs`, rows);
