import {
  AstridError,
  RPC_METHODS,
  RPC_PARAMS,
  type RpcMethod,
  type RpcResults,
  type RpcValidParams,
  WIRE_ERROR_CODES,
  WireError,
} from '@astrid/core';
import {
  createJSONRPCErrorResponse,
  type JSONRPCErrorResponse,
  type JSONRPCID,
  type JSONRPCRequest,
  type JSONRPCResponse,
  JSONRPCServer,
} from 'json-rpc-2.0';
import type { Connection, Dispatch } from './connection.js';

/** One method's implementation: validated params in, result out. */
export type Handler<M extends RpcMethod> = (
  params: RpcValidParams<M>,
  conn: Connection,
) => Promise<RpcResults[M]> | RpcResults[M];

/** Every method of the protocol, implemented. */
export type Handlers = { readonly [M in RpcMethod]: Handler<M> };

/** The wire form of any error a handler throws. Unknown errors are not described (no leaks). */
export function toWireError(err: unknown): WireError {
  if (err instanceof WireError) return err;
  if (err instanceof AstridError) return WireError.fromAstridError(err);
  // Boundary checks below the gateway (TypeError/RangeError name the argument) are the
  // caller's mistake, so they are reported as invalid params with their message.
  if (err instanceof TypeError || err instanceof RangeError) {
    return new WireError(WIRE_ERROR_CODES.INVALID_PARAMS, err.message, { code: 'INVALID_PARAMS' });
  }
  return new WireError(WIRE_ERROR_CODES.INTERNAL_ERROR, 'internal error (see the daemon log)', {
    code: 'INTERNAL_ERROR',
  });
}

function errorResponse(id: JSONRPCID, wire: WireError): JSONRPCErrorResponse {
  return createJSONRPCErrorResponse(id, wire.code, wire.message, wire.data);
}

function isId(value: unknown): value is JSONRPCID {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || value === null;
}

// Precise "Invalid Request" messages, before the request reaches the server.
function requestProblem(request: unknown): string | undefined {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    return 'a request must be a JSON object';
  const r = request as Record<string, unknown>;
  if (r.jsonrpc !== '2.0') return '"jsonrpc" must be "2.0"';
  if (typeof r.method !== 'string') return '"method" must be a string';
  if ('id' in r && !isId(r.id)) return '"id" must be a string, a number or null';
  if ('params' in r && (typeof r.params !== 'object' || r.params === null))
    return '"params" must be an object';
  return undefined;
}

/**
 * The JSON-RPC 2.0 server: every method's params are validated with its zod schema from
 * core before the handler runs; errors become wire errors with numeric codes and the
 * AstridError code in `data.code`; an unknown method names itself; a notification (no
 * `id`) never gets a reply, not even an error. Id `0` and string ids are ids like any other.
 */
export function createDispatch(
  handlers: Handlers,
  onError: (message: string, err: unknown) => void,
): Dispatch {
  const server = new JSONRPCServer<Connection>({ errorListener: onError });
  server.mapErrorToJSONRPCErrorResponse = (id, error) => {
    const wire = toWireError(error);
    if (wire.code === WIRE_ERROR_CODES.INTERNAL_ERROR) onError('internal error in a method', error);
    return errorResponse(id, wire);
  };
  server.handleMethodNotFound = async (request) =>
    request.id === undefined
      ? null
      : errorResponse(
          request.id,
          new WireError(
            WIRE_ERROR_CODES.METHOD_NOT_FOUND,
            `unknown method ${JSON.stringify(request.method)}`,
            {
              code: 'METHOD_NOT_FOUND',
            },
          ),
        );
  for (const method of RPC_METHODS) {
    const schema = RPC_PARAMS[method];
    const handler = handlers[method] as Handler<RpcMethod>;
    server.addMethod(method, async (raw: unknown, conn: Connection) => {
      const parsed = schema.safeParse(raw ?? {});
      if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, 5).map((i) => ({
          path: i.path.map(String).join('.'),
          message: i.message,
        }));
        const first = issues[0];
        throw new WireError(
          WIRE_ERROR_CODES.INVALID_PARAMS,
          `invalid params for ${method}: ${first?.path === '' ? '' : `"${first?.path}" `}${first?.message ?? ''}`,
          { code: 'INVALID_PARAMS', details: { issues } },
        );
      }
      return handler(parsed.data as RpcValidParams<RpcMethod>, conn);
    });
  }
  return (request, conn): PromiseLike<JSONRPCResponse | null> => {
    const problem = requestProblem(request);
    if (problem !== undefined) {
      const id = typeof request === 'object' && request !== null ? (request as { id?: unknown }).id : null;
      return Promise.resolve(
        errorResponse(
          isId(id) ? id : null,
          new WireError(WIRE_ERROR_CODES.INVALID_REQUEST, `Invalid Request: ${problem}`, {
            code: 'INVALID_REQUEST',
          }),
        ),
      );
    }
    return server.receive(request as JSONRPCRequest, conn);
  };
}
