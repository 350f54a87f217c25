import 'reflect-metadata';
import { runCli } from './cli.js';

// The only place that reads the process environment and arguments.
process.exitCode = await runCli(process.argv.slice(2), process.env);
