// Scripted interaction tests, in the style of etcd raft's testdata/*.txt (datadriven): a script
// is a list of steps, each a command line, a `----` line, and the output the step must produce,
// ended by a blank line. runScript() runs the commands on a manual-network SimCluster (every message
// waits until a step delivers or drops it; no clock runs unless a step says so) and returns the
// script with each step's output as it is now: a test compares that with the file, and
// `UPDATE_SCRIPTS=1` writes it back (then read the diff: it is the behaviour change).
//
// Commands (names are the cluster's: P1.., A1.., L1..; types are MessageType names):
//   cluster proposers=N acceptors=N learners=N [seed=S] [timers=live] [bug=NAME]
//                                                        a new cluster (first step); timers are
//                                                        frozen unless live (then `run` fires them);
//                                                        bug plants a deliberate bug (broken.ts)
//   campaign P                                           P starts phase 1 now
//   propose P CLIENT SEQ TEXT                            a command handed to P
//   deliver [from=X] [to=Y] [type=T] [slot=N]            every held message that matches, once
//   settle [type=T,T..]                                  deliver matching messages until none is left
//   drop [from=X] [to=Y] [type=T]                        discard the matching held messages
//   held                                                 list the held messages
//   crash X | restart X                                  a node crashes, or comes back from its records
//   run MS                                               let MS of simulated time pass (ticks, timers)
//   state X                                              a node's state in one line
// A step's output is the trace lines it caused (messages arriving, elections, deliveries), or
// what the command prints. The invariants run throughout: a step that breaks one prints it.
import { SynodErrorCode, withCode } from '../error-codes.js';
import { MessageType, formatBallot } from '../paxos/index.js';
import type { NodeId } from '../paxos/index.js';
import { SimCluster, SIM_PROPOSER_OVERRIDES, type HeldMessage } from './cluster.js';
import { DELIBERATE_BUGS, isDeliberateBug, type DeliberateBug } from './broken.js';
import { SimViolation } from './invariants.js';
import { FROZEN_TIMERS, command } from './scenarios.js';
import { formatMessage } from './trace.js';

const SEPARATOR = '----';

interface Step {
  /** Comment and blank lines before the command, kept as they are. */
  readonly preamble: string[];
  readonly command: string;
  readonly expected: string[];
}

export class ScriptError extends Error {
  readonly code = SynodErrorCode.SimScript;
  constructor(line: number, message: string) {
    super(withCode(`script line ${line}: ${message}`, SynodErrorCode.SimScript));
    this.name = 'ScriptError';
  }
}

function parse(text: string): { steps: Step[]; trailer: string[] } {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const steps: Step[] = [];
  let preamble: string[] = [];
  for (let at = 0; at < lines.length; ) {
    const line = lines[at]!;
    if (line.trim() === '' || line.startsWith('#')) {
      preamble.push(line);
      at++;
      continue;
    }
    if (lines[at + 1] !== SEPARATOR) throw new ScriptError(at + 2, `expected '${SEPARATOR}' after the command '${line}'`);
    const expected: string[] = [];
    at += 2;
    while (at < lines.length && lines[at] !== '') expected.push(lines[at++]!);
    at++; // the blank line that ends the step
    steps.push({ preamble, command: line, expected });
    preamble = [];
  }
  return { steps, trailer: preamble };
}

/** Runs a script; returns it with every step's output as produced now. */
export function runScript(text: string): string {
  const { steps, trailer } = parse(text);
  const out: string[] = [];
  let cluster: SimCluster | undefined;
  for (const step of steps) {
    out.push(...step.preamble, step.command, SEPARATOR);
    const [verb, ...args] = step.command.trim().split(/\s+/);
    if (verb === 'cluster') {
      const options = keyValues(args);
      cluster = new SimCluster({
        seed: Number(options.seed ?? 1),
        proposers: Number(options.proposers ?? 2),
        acceptors: Number(options.acceptors ?? 3),
        learners: Number(options.learners ?? 1),
        manualNetwork: true,
        trace: true,
        proposer: options.timers === 'live' ? SIM_PROPOSER_OVERRIDES : FROZEN_TIMERS,
        ...(options.bug === undefined ? {} : { bug: deliberateBug(options.bug) }),
      });
      out.push(cluster.nodes.filter((node) => node !== undefined).map((node) => node.name).join(' '));
    } else {
      if (cluster === undefined) throw new ScriptError(0, `'${step.command}' before any 'cluster' step`);
      out.push(...runStep(cluster, verb!, args));
    }
    out.push('');
  }
  out.push(...trailer);
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function deliberateBug(name: string): DeliberateBug {
  if (!isDeliberateBug(name)) throw new ScriptError(0, `unknown bug '${name}': one of ${DELIBERATE_BUGS.join(', ')}`);
  return name;
}

function runStep(cluster: SimCluster, verb: string, args: string[]): string[] {
  const traceFrom = cluster.trace.lines.length;
  const printed: string[] = [];
  try {
    switch (verb) {
      case 'campaign':
        cluster.campaign(args[0]!);
        break;
      case 'propose':
        cluster.propose(args[0]!, command(Number(args[1]), Number(args[2]), args.slice(3).join(' ')));
        break;
      case 'deliver':
        if (cluster.deliver(matcher(cluster, keyValues(args))) === 0) printed.push('(nothing to deliver)');
        break;
      case 'settle':
        cluster.deliverAll(matcher(cluster, keyValues(args)));
        break;
      case 'drop':
        printed.push(`dropped ${cluster.drop(matcher(cluster, keyValues(args)))}`);
        break;
      case 'held':
        for (const held of cluster.held) printed.push(`${cluster.nameOf(held.from)} -> ${cluster.nameOf(held.to)} ${formatMessage(held.msg)}`);
        if (cluster.held.length === 0) printed.push('(none)');
        break;
      case 'crash':
        cluster.crash(cluster.node(args[0]!).id);
        break;
      case 'restart':
        cluster.restart(cluster.node(args[0]!).id);
        break;
      case 'run':
        cluster.runFor(Number(args[0]));
        break;
      case 'state':
        printed.push(stateOf(cluster, args[0]!));
        break;
      default:
        throw new Error(`unknown command '${verb}'`);
    }
  } catch (error) {
    if (!(error instanceof SimViolation)) throw error;
    printed.push(`VIOLATION ${error.description}`);
  }
  // Trace lines without their time (a scripted run keeps the clock at 0 unless it runs it).
  const traced = cluster.trace.lines.slice(traceFrom).map((line) => line.replace(/^\s*\d+ms /, ''));
  return [...traced, ...printed];
}

function stateOf(cluster: SimCluster, name: string): string {
  const node = cluster.node(name);
  if (!node.up) return `${name} down`;
  switch (node.kind) {
    case 'proposer': {
      const proposer = cluster.proposer(node.id);
      return `${name} ${proposer.isLeader ? 'leader' : 'not leader'} ballot=${formatBallot(proposer.ballot)} chosen-below=${proposer.chosenBelow}`;
    }
    case 'acceptor': {
      const acceptor = cluster.acceptor(node.id);
      const slots: string[] = [];
      for (let slot = acceptor.firstSlot; slot < acceptor.firstSlot + acceptor.logSize + 64; slot++) {
        const entry = acceptor.acceptedAt(slot);
        if (entry !== undefined) slots.push(`${slot}@${formatBallot(entry.ballot)}`);
      }
      return `${name} promised=${formatBallot(acceptor.promisedBallot)} accepted={${slots.join(' ')}}`;
    }
    case 'learner': {
      const learner = cluster.learner(node.id);
      return `${name} next-slot=${learner.nextSlot} delivered=${cluster.invariants.delivered(node.id)}`;
    }
    default:
      return `${name} client`;
  }
}

function keyValues(args: readonly string[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (const arg of args) {
    const at = arg.indexOf('=');
    if (at <= 0) throw new Error(`expected key=value, got '${arg}'`);
    options[arg.slice(0, at)] = arg.slice(at + 1);
  }
  return options;
}

function matcher(cluster: SimCluster, options: Record<string, string>): (held: HeldMessage) => boolean {
  const from: NodeId | undefined = options.from === undefined ? undefined : cluster.node(options.from).id;
  const to: NodeId | undefined = options.to === undefined ? undefined : cluster.node(options.to).id;
  const types = options.type?.split(',').map((name) => {
    const type = (MessageType as Record<string, number>)[name];
    if (type === undefined) throw new Error(`unknown message type '${name}'`);
    return type;
  });
  const slot = options.slot === undefined ? undefined : Number(options.slot);
  return (held) =>
    (from === undefined || held.from === from) &&
    (to === undefined || held.to === to) &&
    (types === undefined || types.includes(held.msg.type)) &&
    (slot === undefined || (held.msg as { slot?: number }).slot === slot);
}
