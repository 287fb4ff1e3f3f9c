// The HTTP API's public face: the server, its route table and OpenAPI document, tokens and metrics.

export { API_ROLES, generateApiToken, hashApiToken, isApiRole, roleAllows } from './auth.ts';
export { DEFAULT_MAX_BODY_BYTES } from './body.ts';
export type { Access, ApiOptions, Route } from './context.ts';
export { Metrics, meterLiveService } from './metrics.ts';
export { buildOpenApi } from './openapi.ts';
export { createHttpDoor, defaultWebRoot, packageVersion, startService } from './serve.ts';
export { HttpError, problemFor } from './problem.ts';
export {
  API_ROUTES,
  HTTP_SERVER_OPTIONS,
  createApiServer,
  createRequestHandler,
  findRoute,
} from './server.ts';
