import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import {
  createTokenVerifier,
  newId,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  type Coordination,
  type Role,
  type TokenVerifier,
} from '@tiketi/platform';

export interface TestUser {
  id: string;
  role: Role;
  email: string;
  name: string;
  sid: string;
}

export interface TestIssuer {
  jwks: JSONWebKeySet;
  /** Signs an access token the way the auth service does. */
  mint(
    user?: Partial<TestUser>,
    options?: { expiresIn?: string | number; claims?: Record<string, unknown> },
  ): Promise<string>;
  /** A user with a signed token and the header to send it in. */
  user(
    role?: Role,
    overrides?: Partial<TestUser>,
  ): Promise<TestUser & { token: string; headers: { authorization: string } }>;
  verifier(coordination: Coordination): TokenVerifier;
}

/** A key pair standing in for the auth service (RS256, as it signs), so other services can be tested alone. */
export async function createTestIssuer(): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', {
    extractable: true,
    modulusLength: 2048,
  });
  const kid = newId('key');
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const jwks: JSONWebKeySet = { keys: [publicJwk] };

  const mint: TestIssuer['mint'] = async (user = {}, options = {}) => {
    const id = user.id ?? newId('usr');
    return new SignJWT({
      typ: 'access',
      role: user.role ?? 'user',
      sid: user.sid ?? newId('ses'),
      email: user.email ?? `${id}@test.tiketi`,
      name: user.name ?? 'Test User',
      ...options.claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject(id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '15m')
      .sign(privateKey);
  };

  return {
    jwks,
    mint,
    async user(role = 'user', overrides = {}) {
      const id = overrides.id ?? newId('usr');
      const user: TestUser = {
        id,
        role,
        email: overrides.email ?? `${id.toLowerCase()}@test.tiketi`,
        name: overrides.name ?? 'Test User',
        sid: overrides.sid ?? newId('ses'),
      };
      const token = await mint(user);
      return { ...user, token, headers: { authorization: `Bearer ${token}` } };
    },
    verifier(coordination) {
      return createTokenVerifier({ jwks, coordination });
    },
  };
}
