// Launcher of the benchmark's build: `node bench/launch-cli.js BUILD_DIR ARGS...` runs the CLI as
// bin/soc2.js does, from the sources of this tree compiled into BUILD_DIR instead of dist/.
import path from "node:path";
import { pathToFileURL } from "node:url";

const [buildDir, ...argv] = process.argv.slice(2);
process.argv.splice(2, process.argv.length - 2, ...argv);
const { main } = await import(pathToFileURL(path.join(buildDir, "src/cli/main.js")).href);
process.exitCode = await main();
