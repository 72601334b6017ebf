// Personal access tokens for desktop GIS clients (server/auth/api-tokens.ts): the shapes the API returns.

export interface ApiTokenInfo {
  id: number;
  userId: number;
  username: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface NewApiToken extends ApiTokenInfo {
  /** The secret; returned once, never stored. */
  token: string;
}

export interface ApiTokenList {
  tokens: ApiTokenInfo[];
}
