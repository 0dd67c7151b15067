// The run queue (BullMQ on Redis): jobs, artifacts, the worker and the studio/CLI client.
export * from './artifact-location';
export * from './artifact-store';
export * from './bucket-check';
export * from './s3-artifact-store';
export * from './dataset-transfer';
export * from './event-stream';
export * from './job-paths';
export * from './job-signature';
export * from './queue-events';
export * from './queue-keys';
export * from './queue-worker';
export * from './redis-connection';
export * from './run-control';
export * from './run-info';
export * from './run-job';
export * from './run-queue-client';
export * from './connection-check';
