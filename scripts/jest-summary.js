// Ends every jest run with one plain line, "jest: N passed, N failed", that
// CI and people can read at a glance.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const suites = results.numFailedTestSuites > 0 ? ` (${results.numFailedTestSuites} suites failed)` : '';
    process.stdout.write(
      `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped${suites}\n`,
    );
  }
}
