export { startHost, type HostOptions, type RunningHost } from './server';
export { CONTENT_SECURITY_POLICY } from '@lora-studio/api';
