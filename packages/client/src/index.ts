export {
  AstridClient,
  type AstridClientOptions,
  type ClientState,
  type Endpoint,
} from './client.js';
export {
  DAEMON_FILE,
  type DaemonInfo,
  DaemonInfoSchema,
  readDaemonInfo,
  resolveDataDir,
} from './daemon-file.js';
export {
  type Attachment,
  type AttachOptions,
  attachFrontend,
  type Countdown,
  type ElicitationAnswer,
  type ElicitationResolvedEvent,
  type Frontend,
  type FrontendDecision,
  type StatusEvent,
  type ToolActivity,
} from './frontend.js';
export { checkHello, readTrustedKey } from './hello.js';
