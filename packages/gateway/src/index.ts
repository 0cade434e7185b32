export { Connection, type Peer, SLOW_READER_CLOSE } from './connection.js';
export { type LoggedEvent, SeqLog } from './event-log.js';
export { GATEWAY_VERSION, Gateway, type GatewayOptions } from './gateway.js';
export { LockdownSwitch } from './lockdown.js';
export { RotatingLogFile } from './log-file.js';
export {
  createDaemonLogger,
  type DaemonLoggerOptions,
  LOG_KEEP_FILES,
  LOG_ROTATE_BYTES,
  REDACTED_PATHS,
} from './logging.js';
export { gateProvider, type LlmProvider } from './provider-gate.js';
export { toWireError } from './rpc.js';
export type { TcpListen } from './transport.js';
export { checkUpgrade, type UpgradePolicy, type UpgradeRefusal } from './upgrade-auth.js';
