// Every npm script runs on the Node 24 that the `node` devDependency installs into
// node_modules/.bin. If that binary is missing, npm silently falls back to the system Node,
// and MikroORM 7 fails in confusing ways; stop early with a clear message instead.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `OpenTrusty needs Node 24 or later, but this is ${process.version} (${process.execPath}).\n` +
      'Run npm scripts through npm (npm start, npm test), after `npm ci` with install scripts allowed:\n' +
      'the `node` devDependency provides Node 24 in node_modules/.bin.',
  );
  process.exit(1);
}
