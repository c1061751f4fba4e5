/** Who is signed in, shared by every screen; `null` shows the sign-in screen. */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from "react";
import { fetchMe, logout } from "../api/auth";
import { isApiError, storeApiKey } from "../api/client";
import type { Me } from "../api/types";

interface AuthState {
  me: Me | null;
  /** True until the first `/v1/me` answer. */
  loading: boolean;
  /** Re-reads `/v1/me` (after signing in). */
  refresh(): Promise<void>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

/** Provides {@link useAuth}. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  const refresh = useCallback(async () => {
    try {
      setMe(await fetchMe());
    } catch (err) {
      if (!isApiError(err) || err.status !== 401) throw err;
      // A pasted key that no longer works is forgotten, so the cookie (if any) is tried next time.
      storeApiKey(null);
      setMe(null);
    } finally {
      setLoading(false);
    }
  }, []);
  const signOut = useCallback(async () => {
    storeApiKey(null);
    await logout().catch(() => {});
    setMe(null);
  }, []);
  useEffect(() => {
    void refresh().catch(() => setLoading(false));
  }, [refresh]);
  return <AuthContext.Provider value={{ me, loading, refresh, signOut }}>{children}</AuthContext.Provider>;
}

/** The signed-in principal and the sign-in/out actions. */
export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth outside AuthProvider");
  return state;
}
