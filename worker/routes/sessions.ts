/**
 * Chat sessions over HTTP: create, list (search, archived, cursor paging), read with turns, rename, archive and
 * reopen, page through the event log, and the WebSocket upgrade (`/v1/sessions/{id}/ws`) into the session's object.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { formatCredential, type SocketOwner, ticketOwner } from "../auth/credential";
import { requireAuth, requireScope } from "../auth/middleware";
import { hasScope } from "../auth/scopes";
import { ErrorResponse, errorResponses, IdParam } from "../contracts/common";
import {
  CreateSessionRequest,
  EventPage,
  EventsQuery,
  ListSessionsQuery,
  Session,
  SessionDetail,
  SessionPage,
  Turn,
  UpdateSessionRequest,
} from "../contracts/session";
import { listSessions, listTurns, type SessionRow, type TurnWithRun } from "../db/queries/sessions";
import { consumeWsTicket } from "../db/queries/ws-tickets";
import { repos } from "../db/repos";
import { getSessionStub, SESSION_HEADERS } from "../durable/session-stub";
import { AppError } from "../errors";
import { transcriptFileName, transcriptMarkdown } from "../session";
import type { AppEnv } from "./app-env";
import { AUTHENTICATED, jsonBody, jsonResponse } from "./openapi";

const read = [requireAuth(), requireScope("sessions:read")];
const write = [requireAuth(), requireScope("sessions:write")];

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    title: row.title,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toTurn(row: TurnWithRun): Turn {
  return {
    id: row.id,
    index: row.index,
    userMessage: row.userMessage,
    answer: row.answer,
    status: row.status,
    usage: row.usage ?? null,
    error: row.error ?? null,
    runId: row.runId,
    startedAt: row.startedAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
  };
}

function notFound(id: string): AppError {
  return new AppError("not_found", "Session not found", { details: { id } });
}

export const sessionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/sessions",
      operationId: "createSession",
      tags: ["sessions"],
      summary: "Create a chat session",
      security: AUTHENTICATED,
      middleware: write,
      request: { body: jsonBody(CreateSessionRequest) },
      responses: { 201: jsonResponse(Session, "Created"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { tenantId, userId } = c.var.principal;
      const row = await repos.sessions.insert(c.var.db, tenantId, {
        userId,
        ...(input.title ? { title: input.title } : {}),
      });
      return c.json(toSession(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/sessions",
      operationId: "listSessions",
      tags: ["sessions"],
      summary: "List sessions, most recently active first",
      security: AUTHENTICATED,
      middleware: read,
      request: { query: ListSessionsQuery },
      responses: { 200: jsonResponse(SessionPage, "A page of sessions"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const page = await listSessions(c.var.db, c.var.principal.tenantId, query);
      return c.json({ sessions: page.rows.map(toSession), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/sessions/{id}",
      operationId: "getSession",
      tags: ["sessions"],
      summary: "A session with its turns",
      security: AUTHENTICATED,
      middleware: read,
      request: { params: IdParam },
      responses: { 200: jsonResponse(SessionDetail, "The session"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { tenantId } = c.var.principal;
      const row = await repos.sessions.get(c.var.db, tenantId, id);
      if (!row) throw notFound(id);
      const turns = await listTurns(c.var.db, tenantId, id);
      return c.json({ ...toSession(row), turns: turns.map(toTurn) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/sessions/{id}/turns",
      operationId: "listSessionTurns",
      tags: ["sessions"],
      summary: "A session's turns, oldest first",
      security: AUTHENTICATED,
      middleware: read,
      request: { params: IdParam },
      responses: {
        200: jsonResponse(z.object({ turns: z.array(Turn) }).openapi("TurnList"), "The turns"),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { tenantId } = c.var.principal;
      if (!(await repos.sessions.get(c.var.db, tenantId, id))) throw notFound(id);
      const turns = await listTurns(c.var.db, tenantId, id);
      return c.json({ turns: turns.map(toTurn) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/sessions/{id}/transcript",
      operationId: "getSessionTranscript",
      tags: ["sessions"],
      summary: "The session as a Markdown transcript (a download)",
      description: "Each turn's message and answer — or how it ended — with its usage, oldest first.",
      security: AUTHENTICATED,
      middleware: read,
      request: { params: IdParam },
      responses: {
        200: {
          description: "The transcript, with a `content-disposition` file name",
          content: { "text/markdown": { schema: z.string() } },
        },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { tenantId } = c.var.principal;
      const row = await repos.sessions.get(c.var.db, tenantId, id);
      if (!row) throw notFound(id);
      const session = toSession(row);
      const turns = (await listTurns(c.var.db, tenantId, id)).map(toTurn);
      return c.body(transcriptMarkdown(session, turns, new Date()), 200, {
        "content-type": "text/markdown; charset=utf-8",
        "content-disposition": `attachment; filename="${transcriptFileName(session)}"`,
      });
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/v1/sessions/{id}",
      operationId: "updateSession",
      tags: ["sessions"],
      summary: "Rename a session, or reopen an archived one",
      security: AUTHENTICATED,
      middleware: write,
      request: { params: IdParam, body: jsonBody(UpdateSessionRequest) },
      responses: { 200: jsonResponse(Session, "Updated"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const patch = c.req.valid("json");
      const row = await repos.sessions.update(c.var.db, c.var.principal.tenantId, id, {
        ...patch,
        updatedAt: new Date(),
      });
      if (!row) throw notFound(id);
      return c.json(toSession(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/sessions/{id}",
      operationId: "archiveSession",
      tags: ["sessions"],
      summary: "Archive a session (its history is kept; PATCH status=active reopens it)",
      description:
        "Stops a running turn and deletes the session's sandbox: reopened, the session's next `execute_code` starts with fresh variables.",
      security: AUTHENTICATED,
      middleware: write,
      request: { params: IdParam },
      responses: { 200: jsonResponse(Session, "Archived"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { tenantId } = c.var.principal;
      if (!(await repos.sessions.get(c.var.db, tenantId, id))) throw notFound(id);
      await getSessionStub(c.env, id).archive();
      const row = await repos.sessions.update(c.var.db, tenantId, id, { status: "archived", updatedAt: new Date() });
      if (!row) throw notFound(id);
      return c.json(toSession(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/sessions/{id}/events",
      operationId: "listSessionEvents",
      tags: ["sessions"],
      summary: "Page through a session's event log (the frames its WebSocket sent)",
      security: AUTHENTICATED,
      middleware: read,
      request: { params: IdParam, query: EventsQuery },
      responses: { 200: jsonResponse(EventPage, "Events after `after`"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { after, limit } = c.req.valid("query");
      if (!(await repos.sessions.get(c.var.db, c.var.principal.tenantId, id))) throw notFound(id);
      return c.json(await getSessionStub(c.env, id).events(after, limit), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/sessions/{id}/ws",
      operationId: "openSessionSocket",
      tags: ["sessions"],
      summary: "Open the session's WebSocket (chat protocol, resumable)",
      description:
        "Authenticate with `?ticket=` from `POST /v1/ws-tickets` (browsers), the session cookie, or a bearer API key. " +
        "The socket keeps the scopes of that credential: `resume` needs `sessions:read`; `message`, `cancel` and " +
        "`feedback` need `sessions:write`. It closes (code 4401 or 4403) within seconds of the credential being " +
        "revoked, the user signing out or the tenant being suspended.",
      security: [...AUTHENTICATED, { wsTicket: [] }],
      request: {
        params: IdParam,
        query: z.object({ ticket: z.string().max(200).optional() }),
      },
      responses: {
        101: { description: "Switching protocols" },
        426: jsonResponse(ErrorResponse, "Not a WebSocket upgrade (`upgrade_required`)"),
        ...errorResponses(401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { ticket } = c.req.valid("query");
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
        return c.json({ error: { code: "upgrade_required", message: "Open this URL as a WebSocket" } }, 426);
      }
      let owner: SocketOwner;
      if (ticket) {
        const consumed = await consumeWsTicket(c.var.db, ticket, id);
        if (!consumed)
          throw new AppError("unauthenticated", "The ticket is unknown, used, expired or for another session");
        owner = await ticketOwner(c.var.db, consumed);
      } else {
        await requireAuth()(c, async () => {});
        const { tenantId, userId, scopes, credential } = c.var.principal;
        owner = { tenantId, userId, scopes, credential: formatCredential(credential) };
      }
      // Reading is the least a socket does; each frame then needs its own scope (DESIGN §4.1).
      if (!hasScope(owner.scopes, "sessions:read")) {
        throw new AppError("forbidden", "This credential lacks the 'sessions:read' scope", {
          details: { scope: "sessions:read" },
        });
      }
      const session = await repos.sessions.get(c.var.db, owner.tenantId, id);
      if (!session) throw notFound(id);
      if (session.status === "archived") {
        throw new AppError("conflict", "The session is archived; reopen it (PATCH status=active) to chat");
      }
      const headers = new Headers(c.req.raw.headers);
      headers.set(SESSION_HEADERS.tenant, owner.tenantId);
      headers.set(SESSION_HEADERS.session, id);
      if (owner.userId) headers.set(SESSION_HEADERS.user, owner.userId);
      else headers.delete(SESSION_HEADERS.user);
      headers.set(SESSION_HEADERS.scopes, owner.scopes.join(" "));
      headers.set(SESSION_HEADERS.credential, owner.credential);
      return getSessionStub(c.env, id).fetch(new Request(c.req.raw.url, { headers }));
    },
  );
