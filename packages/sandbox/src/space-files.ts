import { sandboxHostCode } from './host-code.js';

/** Where the image puts the host program and the workspace; the Dockerfile's CMD uses both. */
export const SPACE_HOST_PATH = '/opt/ml-intern/host.mjs';
export const SPACE_WORKSPACE = '/app';
/** The port a Docker Space routes to (`app_port` in the README front matter). */
export const SPACE_PORT = 7860;

/**
 * The sandbox host as a Docker Space: Node for the host, Python with uv and git for the work.
 * GPU tiers bring the NVIDIA driver; CUDA libraries come with the wheels the work installs.
 * Spaces run containers as uid 1000, which is the image's `node` user.
 */
export const SPACE_DOCKERFILE = `FROM node:20-bookworm-slim
RUN apt-get update \\
 && apt-get install -y --no-install-recommends git git-lfs ca-certificates curl python3 python3-venv procps \\
 && rm -rf /var/lib/apt/lists/*
COPY --from=ghcr.io/astral-sh/uv:0.9 /uv /uvx /usr/local/bin/
RUN mkdir -p ${SPACE_WORKSPACE} && chown node:node ${SPACE_WORKSPACE}
COPY --chown=node:node host.mjs ${SPACE_HOST_PATH}
USER node
ENV HOME=/home/node PATH=/home/node/.local/bin:$PATH PYTHONUNBUFFERED=1 UV_LINK_MODE=copy
WORKDIR ${SPACE_WORKSPACE}
EXPOSE ${SPACE_PORT}
CMD ["node", "${SPACE_HOST_PATH}", "--listen", "0.0.0.0:${SPACE_PORT}", "--workspace", "${SPACE_WORKSPACE}"]
`;

export const SPACE_README = `---
title: ml-intern sandbox
emoji: 🧪
colorFrom: gray
colorTo: blue
sdk: docker
app_port: ${SPACE_PORT}
pinned: false
---

A private, short-lived sandbox for an ml-intern session: the agent runs commands and edits files
here over HTTP (\`ml-intern-sandbox-host\`). Every request needs this Space's gateway token and the
sandbox's own token (the \`ML_INTERN_SANDBOX_TOKEN\` secret). The session deletes the Space when it
ends; \`ml-intern sandboxes delete\` removes one left behind.
`;

/** The files of the one commit that makes a Space a sandbox host. */
export function spaceSandboxFiles(): { path: string; content: string }[] {
  return [
    { path: 'Dockerfile', content: SPACE_DOCKERFILE },
    { path: 'README.md', content: SPACE_README },
    { path: 'host.mjs', content: sandboxHostCode() },
  ];
}
