import { main } from './host-server.js';

// The `ml-intern-sandbox-host` bin (bundled alone as dist/host.js).
main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ml-intern-sandbox-host: ${(error as Error).message}\n`);
    process.exitCode = 2;
  },
);
