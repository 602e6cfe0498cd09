// `envoy-injector cni`: the chained CNI plugin, run by the container runtime
// once per pod sandbox with CNI_* in the environment and the network
// configuration on stdin. stdout is the protocol (a result, or a CNI error
// JSON with a non-zero exit): logs go to the configured file, never there.

import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import {
  addPlan,
  CNI_ERROR,
  cniError,
  passedResult,
  podPlan,
  readInvocation,
  readNetworkConfig,
  versionResult,
  type CniError,
  type NetworkConfig,
} from '../cni/plugin.js';
import { getPod, PodLookupError, readKubeconfig } from '../cluster/pod-get.js';
import type { CommandOutput } from './command.js';
import { EXIT } from './commands.js';
import { readInput } from './files.js';

/** The runtime waits on every plugin of the chain: a slow API server must not hold the pod's network up for long. */
const LOOKUP_TIMEOUT_MS = 5000;
/** The rules script: a few hundred milliseconds, bounded so a hung iptables lock fails the ADD (the runtime retries). */
const SCRIPT_TIMEOUT_MS = 20_000;
const DEFAULT_LOG_FILE = '/var/log/envoy-injector-cni.log';

const isError = (value: unknown): value is CniError => typeof value === 'object' && value !== null && 'code' in value && 'msg' in value;

function answer(value: unknown, exitCode: number = EXIT.ok): CommandOutput {
  return { stdout: value === undefined ? '' : `${JSON.stringify(value)}\n`, exitCode };
}

function failure(error: CniError): CommandOutput {
  // A runtime shows the message; the exit code only has to be non-zero.
  const environment: readonly number[] = [CNI_ERROR.incompatibleVersion, CNI_ERROR.invalidEnvironment, CNI_ERROR.decodeFailure, CNI_ERROR.invalidConfig];
  return answer(error, environment.includes(error.code) ? EXIT.usage : EXIT.findings);
}

export async function runCni(_argv: readonly string[]): Promise<CommandOutput> {
  const invocation = readInvocation(process.env);
  if (isError(invocation)) return failure(invocation);
  if (invocation.command === 'VERSION') return answer(versionResult());
  const config = readNetworkConfig(readInput('-'));
  if (isError(config)) return failure(config);
  const log = logger(config);
  // DEL: the rules live in the pod's network namespace and go with it.
  if (invocation.command === 'DEL') {
    log('debug', `DEL ${invocation.containerId}`);
    return answer(undefined);
  }
  // ADD prints the result it passes on; CHECK, nothing when all is well.
  const passed = (): CommandOutput => (invocation.command === 'CHECK' ? answer(undefined) : answer(passedResult(config)));
  const plan = addPlan(invocation, config);
  if (plan.kind === 'pass') {
    log('debug', `${invocation.command} ${invocation.containerId}: passed through: ${plan.why}`);
    return passed();
  }
  const pod = `${plan.namespace}/${plan.name}`;
  let found;
  try {
    found = await getPod(readKubeconfig(config.kubeconfig), plan.namespace, plan.name, LOOKUP_TIMEOUT_MS);
  } catch (error) {
    // Fail closed: a pod that may need capture is not started without it; the runtime tries again.
    const message = error instanceof PodLookupError ? error.message : String(error);
    log('error', `ADD ${pod}: cannot look the pod up: ${message}`);
    return failure(cniError(CNI_ERROR.tryAgainLater, `envoy-injector: cannot look up pod ${pod} to decide its traffic capture`, message));
  }
  const decided = podPlan(found);
  if (decided.kind === 'pass') {
    log('debug', `${invocation.command} ${pod}: passed through: ${decided.why}`);
    return passed();
  }
  if (decided.kind === 'error') {
    log('error', `ADD ${pod}: ${decided.error.msg}`);
    return failure(decided.error);
  }
  if (invocation.command === 'CHECK') {
    // CHECK: the rules this pod should have are still there (the jumps into our chains).
    const missing = missingJumps(config.rulesScript, invocation.netns, decided.args);
    if (missing.length === 0) return answer(undefined);
    log('error', `CHECK ${pod}: missing ${missing.join(', ')}`);
    return failure(
      cniError(CNI_ERROR.rulesMissing, `envoy-injector: the capture rules of pod ${pod} are missing from its network namespace`, missing.join('; ')),
    );
  }
  // The same script and arguments as envoy-init, in the pod's network namespace.
  const run = spawnSync('nsenter', [`--net=${invocation.netns}`, '--', config.rulesScript, ...decided.args], {
    encoding: 'utf8',
    timeout: SCRIPT_TIMEOUT_MS,
    maxBuffer: 1024 * 1024,
  });
  if (run.status !== 0) {
    const why = (run.stderr || run.error?.message || `exit ${String(run.status ?? run.signal)}`).trim().split('\n').slice(-3).join(' ').slice(0, 1000);
    log('error', `ADD ${pod}: the capture rules were not installed: ${why}`);
    return failure(cniError(CNI_ERROR.ioFailure, `envoy-injector: cannot install the capture rules of pod ${pod}`, why));
  }
  log('info', `ADD ${pod}: capture rules installed in ${invocation.netns}`);
  return answer(passedResult(config));
}

/** The jumps into envoy-init's chains that the pod's namespace lacks. What
 * they are is the script's to say (its --dry-run, per family): the plugin
 * keeps no second copy of the rules. */
function missingJumps(rulesScript: string, netns: string, args: readonly string[]): string[] {
  const planned = spawnSync(rulesScript, [...args, '--dry-run'], { encoding: 'utf8', timeout: SCRIPT_TIMEOUT_MS });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- null when the script cannot start, whatever the types say
  const sections = (planned.stdout ?? '').split(/^# /m).filter((section) => section.startsWith('IPv'));
  if (planned.status !== 0 || sections.length === 0)
    return [`the rules script ${rulesScript} cannot say its rules (${(planned.stderr || planned.error?.message || '').trim().slice(0, 200)})`];
  const missing: string[] = [];
  for (const section of sections) {
    const family = section.startsWith('IPv6') ? 'IPv6' : 'IPv4';
    const tool = family === 'IPv6' ? 'ip6tables' : 'iptables';
    // Whichever backend the script chose (it follows the node's): the rules are in one of them.
    const saved = ['nft', 'legacy']
      .map((backend) => {
        const save = spawnSync('nsenter', [`--net=${netns}`, '--', `${tool}-${backend}-save`, '-t', 'nat'], { encoding: 'utf8', timeout: SCRIPT_TIMEOUT_MS });
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- null when the tool cannot start, whatever the types say
        return save.stdout ?? '';
      })
      .join('\n');
    const jumps = section.split('\n').filter((line) => /^-A (PREROUTING|OUTPUT) /.test(line));
    for (const jump of jumps) if (!saved.includes(jump)) missing.push(`${family}: ${jump}`);
  }
  return missing;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

function logger(config: NetworkConfig): (level: (typeof LEVELS)[number], message: string) => void {
  const threshold = LEVELS.indexOf(config.logLevel);
  return (level, message) => {
    if (LEVELS.indexOf(level) < threshold) return;
    try {
      appendFileSync(config.logFile ?? DEFAULT_LOG_FILE, `${new Date().toISOString()} ${level} ${message}\n`);
    } catch {
      // No log file (a read-only host path): the result on stdout still says what matters.
    }
  };
}
