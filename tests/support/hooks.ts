// Mocha root hooks: loaded once (see .mocharc.json) before any test file.
// The MariaDB harness registers here so the server starts once per run and always stops.
export const mochaHooks = {};
