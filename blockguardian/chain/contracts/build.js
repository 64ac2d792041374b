#!/usr/bin/env node
// Compiles the Solidity sources in this folder with the pinned solc-js (package.json) and writes one
// artefact per contract (ABI + creation and runtime bytecode) beside them. The output depends only
// on the sources, this script and the compiler version, so a rebuild is byte-for-byte identical.
//
//   node build.js              write the artefacts here
//   node build.js --out DIR    write them to DIR instead
//   node build.js --check      compile and compare with the committed artefacts (exit 1 if different)
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const HERE = __dirname;
const CONTRACTS = ["AnchorRegistry"];
// Paris: no PUSH0, so the bytecode runs on any EVM chain a JSON-RPC node may serve.
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "paris",
  metadata: { bytecodeHash: "ipfs" },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
};

function pinnedVersion() {
  const pkg = JSON.parse(fs.readFileSync(path.join(HERE, "package.json"), "utf8"));
  return pkg.dependencies.solc;
}

function compile() {
  const expected = pinnedVersion();
  const actual = solc.version();
  if (!actual.startsWith(expected + "+")) {
    throw new Error(`solc ${actual} is installed but package.json pins ${expected}: run npm ci`);
  }
  const sources = {};
  for (const name of CONTRACTS) {
    const file = `${name}.sol`;
    sources[file] = { content: fs.readFileSync(path.join(HERE, file), "utf8") };
  }
  const input = { language: "Solidity", sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const problems = output.errors || [];
  for (const problem of problems) {
    process.stderr.write(problem.formattedMessage || problem.message);
  }
  if (problems.some((p) => p.severity === "error")) {
    throw new Error("compilation failed");
  }
  const artefacts = {};
  for (const name of CONTRACTS) {
    const file = `${name}.sol`;
    const compiled = output.contracts[file][name];
    const artefact = {
      contractName: name,
      sourceName: file,
      sourceSha256: crypto.createHash("sha256").update(sources[file].content, "utf8").digest("hex"),
      compiler: { name: "solc-js", version: actual },
      settings: { optimizer: SETTINGS.optimizer, evmVersion: SETTINGS.evmVersion, metadata: SETTINGS.metadata },
      abi: compiled.abi,
      bytecode: "0x" + compiled.evm.bytecode.object,
      deployedBytecode: "0x" + compiled.evm.deployedBytecode.object,
    };
    artefacts[`${name}.json`] = JSON.stringify(artefact, null, 2) + "\n";
  }
  return artefacts;
}

function main(argv) {
  const check = argv.includes("--check");
  const outIndex = argv.indexOf("--out");
  const outDir = outIndex >= 0 ? path.resolve(argv[outIndex + 1]) : HERE;
  const artefacts = compile();
  let stale = 0;
  for (const [file, text] of Object.entries(artefacts)) {
    const target = path.join(check ? HERE : outDir, file);
    if (check) {
      const committed = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : null;
      if (committed !== text) {
        process.stderr.write(`${file}: differs from a fresh compile (run make contracts)\n`);
        stale += 1;
      } else {
        process.stdout.write(`${file}: up to date\n`);
      }
    } else {
      fs.mkdirSync(outDir, { recursive: true });
      fs.writeFileSync(target, text);
      process.stdout.write(`wrote ${target}\n`);
    }
  }
  return stale ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`build.js: ${err.message}\n`);
  process.exitCode = 2;
}
