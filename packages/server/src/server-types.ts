import type { CheckpointHistory, Session } from '@ml-intern/core';

/** A person signed in with Hugging Face (`hf_oauth`): whose sessions these are, and whose token drives their Hub tools. */
export interface SignedInUser {
  /** The OpenID subject: stable, used to keep each user's sessions apart. */
  id: string;
  /** The Hub user name (`preferred_username`). */
  name: string;
  avatarUrl?: string;
  /** The user's OAuth access token: never sent to the browser, logged or put in an event. */
  token: string;
}

/** What the server asks its session factory for. */
export interface SessionRequest {
  /**
   * Continue this saved session's own log (same id, event numbers going on): a session closed when
   * idle, or by `DELETE`, is reopened by its next operation.
   */
  continueId?: string;
  /** `POST /api/sessions {resume}`: start from a saved session (by id). */
  resume?: string;
  /** `POST /api/sessions {model}`. */
  model?: string;
  /** The session's workspace: an existing directory under the workspace root. */
  workspace: string;
  /** Set in `hf_oauth` mode: the person the session belongs to. */
  user?: SignedInUser;
}

/** A running session as the factory composed it (model, tools, sandbox, log). */
export interface HostedSession {
  session: Session;
  /**
   * The session's workspace checkpoints (`GitCheckpoints` from the sandbox package), for the turn
   * list and the rewind preview; absent where files are not checkpointed (a remote sandbox).
   */
  checkpoints?: CheckpointHistory;
  /** Shut the session down and release what it holds (sandbox, MCP servers). */
  close(): Promise<void>;
}

/** Creates a session for the server: the app injects its runtime (providers, tools, sandbox) here. */
export type SessionFactory = (request: SessionRequest) => Promise<HostedSession>;

/** Sign-in with Hugging Face (a Space with `hf_oauth: true` provides these as OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OPENID_PROVIDER_URL). */
export interface HfOAuthOptions {
  clientId: string;
  clientSecret: string;
  /** The OpenID provider, e.g. `https://huggingface.co` (its `/.well-known/openid-configuration` is read). */
  providerUrl: string;
  /** Default: `openid profile read-repos write-repos manage-repos inference-api jobs`. */
  scopes?: readonly string[];
  /** Where browsers reach this server (`https://<SPACE_HOST>`); the callback is `<publicUrl>/auth/callback`. Default: the request's own origin. */
  publicUrl?: string;
  /** For requests to the provider (tests point it at a fake). */
  fetch?: typeof fetch;
}

export interface ServerOptions {
  /** Creates each session (the app composes model, tools and sandbox). */
  createSession: SessionFactory;
  /**
   * Where saved session logs are (JSONL), for the session list, the conversation of a closed
   * session and replay; a function of the user in `hf_oauth` mode, so each sees only their own.
   */
  sessionDir?: string | ((user: SignedInUser | undefined) => string);
  /** Session workspaces must lie under it; a session without one gets a new directory here (default: the current directory). */
  workspaceRoot?: string;
  /** The secret for `Authorization: Bearer` and the `?token=` URL. Required unless `oauth` is set. */
  token?: string;
  /** Sign-in with Hugging Face instead of a token: many users, each with their own sessions. */
  oauth?: HfOAuthOptions;
  /** Default `127.0.0.1`: a host that is not loopback is refused without a token or OAuth. */
  host?: string;
  /** Default 7860; 0 picks a free port. */
  port?: number;
  /** Close a session nobody watches and that is not working after this long (default 30 minutes); its next operation reopens it from its log. */
  idleTimeoutMs?: number;
  /** A keep-alive comment on every event stream this often (default 15 s). */
  keepAliveMs?: number;
  /** The built UI (a folder with index.html): served at `/`, unknown paths fall back to index.html. */
  staticDir?: string;
  /** Shown at `/` when there is no `staticDir` (how to build the UI). */
  uiMissingMessage?: string;
  /** Origins besides the server's own that may send state-changing requests. */
  allowedOrigins?: readonly string[];
  /** CSP `frame-ancestors` (default `'none'`; a Space needs `https://huggingface.co`). */
  frameAncestors?: readonly string[];
}
