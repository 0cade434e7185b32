import type { SensitiveAction } from '@astrid/core';
import type { BoundaryCheck, BoundaryOp, WorkspaceBoundary } from '@astrid/workspace';
import type { ApprovalBroker } from './approvals/broker.js';
import type { ApprovalRequest } from './approvals/request.js';

/** The workspace boundary's verdict on every path an action touches (file path, command cwd). */
export async function checkActionPaths(
  boundary: WorkspaceBoundary,
  action: SensitiveAction,
): Promise<BoundaryCheck[]> {
  const targets: [string, BoundaryOp][] = [];
  switch (action.kind) {
    case 'file_read':
      targets.push([action.path, 'read']);
      break;
    case 'file_write':
      targets.push([action.path, 'write']);
      break;
    case 'file_delete':
      targets.push([action.path, 'delete']);
      break;
    case 'capsule_file_access':
      targets.push([action.path, action.mode === 'read' ? 'read' : 'write']);
      break;
    case 'execute_command':
      if (action.cwd !== undefined) targets.push([action.cwd, 'execute']);
      break;
    default:
      break;
  }
  return Promise.all(targets.map(([path, op]) => boundary.check(path, op)));
}

/** Waits for a human's answer; cancelling `signal` cancels the request (the proposal was withdrawn). */
export async function waitForAnswer(
  approvals: ApprovalBroker,
  request: ApprovalRequest,
  signal: AbortSignal | undefined,
): Promise<ApprovalRequest> {
  if (signal === undefined) return approvals.wait(request.id);
  const onAbort = () => {
    approvals.cancel(request.id, 'the proposal was cancelled').catch(() => {});
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await approvals.wait(request.id);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
