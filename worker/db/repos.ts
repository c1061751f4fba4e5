/**
 * The tenant-scoped repository of every tenant table. Domain code reaches rows only through these (or through the
 * purpose-built queries in `./queries/`, which scope by tenant the same way).
 */
import * as t from "./schema";
import { scopedRepo } from "./scoped";

export const repos = {
  users: scopedRepo(t.users),
  apiKeys: scopedRepo(t.apiKeys),
  llmProfiles: scopedRepo(t.llmProfiles),
  sessions: scopedRepo(t.sessions),
  turns: scopedRepo(t.turns),
  runs: scopedRepo(t.runs),
  runSteps: scopedRepo(t.runSteps),
  documents: scopedRepo(t.documents),
  tasks: scopedRepo(t.tasks),
  webhookEndpoints: scopedRepo(t.webhookEndpoints),
  webhookDeliveries: scopedRepo(t.webhookDeliveries),
  feedback: scopedRepo(t.feedback),
};
