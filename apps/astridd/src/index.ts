export { type DaemonFile, PROCESS_RECORD, type RunningDaemon, runDaemon, type Say } from './daemon.js';
export { type DaemonFlags, isLoopback, parseFlags, USAGE, UsageError } from './flags.js';
export { acquireDaemonLock, type DaemonLock, DaemonRunningError, processAlive } from './lock.js';
