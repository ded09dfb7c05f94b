export { ServerConfigError, createServer } from './create-server.js';
export type { MlInternServer } from './create-server.js';
export { HF_OAUTH_SCOPES } from './hf-oauth.js';
export { SESSION_ID_PATTERN, SessionHub } from './session-hub.js';
export type { SessionStatus, SessionSummaryView } from './session-hub.js';
export type { HfOAuthOptions, HostedSession, ServerOptions, SessionFactory, SessionRequest, SignedInUser } from './server-types.js';
export type { TurnView } from './turn-routes.js';
