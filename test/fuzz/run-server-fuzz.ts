/**
 * `npm run fuzz:server [-- --messages N --seed S --connections C]`: the full server fuzz run
 * (100 000 messages by default). Prints what it tried and what it found; exits non-zero on a
 * crash, a stuck room or socket, a server that stopped answering, or heap growth over 50 MB.
 */
import { parseArgs } from 'node:util';
import { runServerFuzz } from './server-fuzz.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    seed: { type: 'string' },
    connections: { type: 'string', default: '16' },
  },
});

const report = await runServerFuzz({
  messages: Number(values.messages),
  connections: Number(values.connections),
  ...(values.seed ? { seed: Number(values.seed) } : {}),
});
const heapGrowth = report.heapAfterMb - report.heapBaselineMb;
console.log(`server fuzz (seed ${report.seed})
  messages tried:       ${report.messagesTried}
  crashes:              ${report.crashes}
  connections opened:   ${report.connectionsOpened} (dropped by the server: ${report.connectionsDropped})
  rooms created:        ${report.roomsCreated}
  after disconnect:     ${report.statsAfter.rooms} rooms, ${report.statsAfter.sockets} memberships, ${report.statsAfter.clients} clients, ${report.statsAfter.tombstones} tombstones
  heap:                 ${report.heapBaselineMb.toFixed(1)} MB before, ${report.heapAfterMb.toFixed(1)} MB after (${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)} MB)
  normal session after: ${report.stillServes ? 'works' : 'FAILED'}
  time:                 ${(report.ms / 1000).toFixed(1)} s`);
for (const sample of report.crashSamples) console.log(`  crash: ${sample}`);
const ok = report.crashes === 0 && report.statsAfter.rooms === 0 && report.statsAfter.sockets === 0 && report.statsAfter.clients === 0 && report.stillServes && heapGrowth < 50;
process.exit(ok ? 0 : 1);
