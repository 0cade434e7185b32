import type { ErrorCode, SensitiveAction } from '@astrid/core';
import type { ApprovalPreview, ApprovalRequest } from './approvals/request.js';

function quote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The one-line summary a human sees, built by the runtime from the parsed action (never
 * from text the agent wrote, which is shown apart and labelled as the agent's).
 */
export function describeAction(action: SensitiveAction): string {
  switch (action.kind) {
    case 'file_read':
      return `Read ${action.path}`;
    case 'file_write':
      return `Write ${action.path}${action.bytes === undefined ? '' : ` (${action.bytes} bytes)`}`;
    case 'file_delete':
      return `Delete ${action.path}`;
    case 'execute_command':
      return `Run: ${action.argv.map(quote).join(' ')}${action.cwd === undefined ? '' : ` (in ${action.cwd})`}`;
    case 'network_request':
      return `${action.method} request to ${action.host}:${action.port}`;
    case 'transmit_data':
      return `Send ${action.bytes} bytes to ${action.host}:${action.port}`;
    case 'mcp_tool_call':
      return `Call MCP tool ${action.tool} on server ${action.server}`;
    case 'capsule_execution':
      return `Run capsule ${action.capsule} (${action.entry})`;
    case 'capsule_http_request':
      return `Capsule ${action.capsule}: ${action.method} ${action.host}:${action.port}`;
    case 'capsule_file_access':
      return `Capsule ${action.capsule}: ${action.mode} ${action.path}`;
    case 'capability_grant':
      return `Grant ${action.subject} ${action.scope} access to ${action.resources.join(', ')}`;
    case 'llm_request':
      return `LLM request to ${action.provider}/${action.model}`;
  }
}

/** The default preview of an action when the tool supplies none (tools add diffs). */
export function defaultPreview(action: SensitiveAction, sandboxed: boolean): ApprovalPreview {
  switch (action.kind) {
    case 'execute_command':
      return {
        kind: 'argv',
        argv: action.argv,
        ...(action.cwd === undefined ? {} : { cwd: action.cwd }),
        sandboxed,
      };
    case 'network_request':
      return { kind: 'network', method: action.method, host: action.host, port: action.port };
    default:
      return { kind: 'none' };
  }
}

/** Why an answered request does not allow its action: the error code and a reason the agent can read. */
export function approvalRefusal(request: ApprovalRequest): { code: ErrorCode; reason: string } {
  switch (request.state) {
    case 'expired':
      return { code: 'APPROVAL_EXPIRED', reason: 'the approval request expired without an answer' };
    case 'cancelled':
      return { code: 'APPROVAL_CANCELLED', reason: 'the approval request was cancelled' };
    default:
      return {
        code: 'APPROVAL_DENIED',
        reason: `the user denied this${request.reason === undefined ? '' : `: ${request.reason}`}`,
      };
  }
}
