// The CNI plugin as the node runs it: `envoy-injector cni` alone, for the
// single executable the DaemonSet installs (make cni-plugin), so the host
// needs no Node.js and a runtime's call loads nothing but the plugin.

import { runCni } from './cni.js';

runCni([]).then(
  (output) => {
    process.stdout.write(output.stdout);
    process.exitCode = output.exitCode ?? 0;
  },
  (error: unknown) => {
    // Never a stack on stdout: the runtime reads it as the protocol.
    process.stdout.write(
      `${JSON.stringify({ cniVersion: '1.0.0', code: 999, msg: 'envoy-injector-cni: internal error', details: String(error).slice(0, 500) })}\n`,
    );
    process.exitCode = 1;
  },
);
