import { defineConfig } from 'vitest/config';

// Browser tests run after the rest, never beside the Docker tests: a compose `up` adds network
// interfaces to the host, and Chromium aborts its requests in flight when it sees the host's
// addresses change (net::ERR_NETWORK_CHANGED, even for loopback). The other files run three at a
// time: most of a file's time is spent waiting on PostgreSQL, a server or Docker, so two cores keep
// three files busy (one at a time, Vitest's default on 2 cores, took 13 minutes).
const BROWSER_TESTS = 'services/portal/test/browser/**/*.test.ts';

// Workspace packages resolve to their TypeScript sources: tests need no build step.
const sources = {
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
};
const timeouts = { testTimeout: 30_000, hookTimeout: 60_000 };

export default defineConfig({
  ...sources,
  test: {
    // Once for the whole run (the projects below do not inherit it): one database server, one
    // checkout guard.
    globalSetup: ['test/global-setup.ts'],
    ...timeouts,
    maxWorkers: 3,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      {
        ...sources,
        test: {
          ...timeouts,
          name: 'services',
          include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [BROWSER_TESTS],
          sequence: { groupOrder: 0 },
        },
      },
      {
        ...sources,
        // Two Chromiums at a time: a third on two cores pushed steps past their time-outs when the
        // machine was busy.
        test: {
          ...timeouts,
          // A browser test walks many steps, each given 25 s (support/browser.ts openPage).
          testTimeout: 90_000,
          name: 'browser',
          include: [BROWSER_TESTS],
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
