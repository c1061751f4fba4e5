/** Sign-in tokens ended by sign-out before their expiry. */
import { lt } from "drizzle-orm";
import type { Db } from "../client";
import { revokedTokens } from "../schema";

/** Records a signed-out token so authentication refuses it; expired rows are swept here (sign-outs are rare). */
export async function revokeSessionToken(
  db: Db,
  token: { jti: string; tenantId: string; expiresAt: number },
  now = Date.now(),
): Promise<void> {
  await db.delete(revokedTokens).where(lt(revokedTokens.expiresAt, new Date(now)));
  await db
    .insert(revokedTokens)
    .values({ jti: token.jti, tenantId: token.tenantId, expiresAt: new Date(token.expiresAt) })
    .onConflictDoNothing();
}
