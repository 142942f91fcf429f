/**
 * Entry point of the integration suite inside a VS Code extension host
 * (`extensionTestsPath`). VS Code require()s the compiled file and awaits `run()`:
 * the same contract under our headless code-server runner (scripts/e2e/run-ext-tests.mjs)
 * and under @vscode/test-electron with desktop VS Code.
 *
 * env: MOCHA_GREP  only run tests whose full title matches this pattern
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha = require('mocha');

function findTestFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...findTestFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) files.push(full);
  }
  return files.sort();
}

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'tdd',
    reporter: 'spec',
    // the extension host's console is relayed as plain text: no ANSI colours
    color: false,
    timeout: 60_000,
    grep: process.env.MOCHA_GREP || undefined,
  });
  const files = findTestFiles(__dirname);
  for (const file of files) mocha.addFile(file);

  return new Promise<void>((resolve, reject) => {
    if (files.length === 0) {
      reject(new Error(`no *.test.js files under ${__dirname}: compile the tests first`));
      return;
    }
    try {
      const runner = mocha.run((failures) => {
        const { passes = 0, pending = 0 } = runner.stats ?? {};
        // a plain closing line that test-log readers recognise
        console.log(`integration: ${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}`);
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else if (passes === 0) reject(new Error('no integration test ran'));
        else resolve();
      });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
