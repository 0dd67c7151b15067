// Test support for other packages' tests (the CLI, the studio's e2e): tiny models on disk and a local hub server.
export { writeTinyDiffusersModel, writeTinyBflFiles, type TinyModelOptions } from './tiny-model';
export { startTestHub, TEST_COMMIT, type TestHub, type HubRequest } from './hub-test-server';
