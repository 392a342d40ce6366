'use strict';
// require('synod'). synod is an ES module; Node 20.19 and newer load an ES module from require()
// (process.features.require_module), so there this is the same module `import` gives. Older Node
// gets one clear sentence instead of ERR_REQUIRE_ESM.
if (!process.features.require_module) {
  throw new Error(
    `synod is an ES module: use \`import { ReplicatedLog } from 'synod'\`, or \`await import('synod')\` from CommonJS; ` +
      `require('synod') needs Node 20.19 or newer (this is Node ${process.versions.node})`,
  );
}
module.exports = require('../dist/src/index.js');
