// A real OpenID Connect provider (npm `oidc-provider`) on 127.0.0.1, set up the way Microsoft
// Entra ID treats a "Single-page application" registration: a public client (no secret) that
// must use PKCE with S256, CORS on the token endpoint, JWT access tokens for the ARM resource,
// refresh tokens without a consent prompt, and a `tid` claim in the id token. Microsoft Graph
// is a second resource (resource indicators): a token for the Graph scope has Graph's audience.
// `graphConsent: 'granted'` is a tenant where an administrator has consented to Graph for the
// app: the sign-in's refresh token also yields Graph tokens. Otherwise (the default) nobody has:
// asking for a Graph token with the refresh token gets Entra's AADSTS65001 answer, and only the
// consent popup (the authorize endpoint with the Graph scope) yields one.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CLIENT_ID = '0f1c6e3a-5b7d-4f3e-9a7b-2c1d0e9f8a77';
export const ARM_RESOURCE = 'https://management.azure.com';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_SCOPE = `${GRAPH_RESOURCE}/Directory.Read.All`;

/// Entra's answer to a refresh-token request for a scope nobody consented to. The envelope is
/// the one Microsoft documents ("Here's a sample error response", with `error`,
/// `error_description`, `error_codes`, `timestamp`, `trace_id`, `correlation_id`,
/// https://learn.microsoft.com/entra/identity-platform/reference-error-codes); the AADSTS65001
/// wording and `suberror: consent_required` are as Entra answers today (not pinned by a doc).
export function entraConsentRequired() {
  const now = new Date().toISOString().replace('T', ' ').replace(/\..*/, 'Z');
  return {
    error: 'invalid_grant',
    error_description: `AADSTS65001: The user or administrator has not consented to use the application with ID '${CLIENT_ID}' named 'pullpath'. Send an interactive authorization request for this user and resource.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: ${now}`,
    error_codes: [65001],
    timestamp: now,
    trace_id: '0000aaaa-11bb-cccc-dd22-eeeeee333333',
    correlation_id: 'aaaa0000-bb11-2222-33cc-444444dddddd',
    suberror: 'consent_required',
  };
}

export async function startOidc({ redirectUri, accessTokenTTL = 3600, refreshTokenTTL = 86400, tenants = null, graphConsent = 'none' }) {
  const server = http.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', use: 'sig', alg: 'RS256' };
  // One provider at the root (issuer = origin), or, like Entra, one per tenant at
  // `/{tenant}/v2.0` (issuer = origin/{tenant}/v2.0), all signing with the same key.
  const mounts = (tenants ?? [TENANT_ID]).map((tid) => {
    const prefix = tenants ? `/${tid}/v2.0` : '';
    return { prefix, issuer: origin + prefix, provider: makeProvider(origin + prefix, tid, jwk, redirectUri, accessTokenTTL, refreshTokenTTL, graphConsent) };
  });
  const log = [];
  server.on('request', (req, res) => {
    log.push({ method: req.method, url: req.url });
    const m = mounts.find((m) => m.prefix && (req.url === m.prefix || req.url.startsWith(`${m.prefix}/`) || req.url.startsWith(`${m.prefix}?`))) ?? mounts.find((m) => !m.prefix);
    if (!m) { res.statusCode = 404; res.end(); return; }
    if (m.prefix) {
      // What express does for `app.use(prefix, provider.callback())`: oidc-provider builds its
      // URLs under req.baseUrl. (Not originalUrl: the consent middleware above rewrites the
      // query, and the mount path derived from originalUrl would then be lost.)
      req.baseUrl = m.prefix;
      req.url = req.url.slice(m.prefix.length) || '/';
    }
    m.provider.callback()(req, res);
  });
  const issuer = mounts[0].issuer;
  return {
    issuer,
    issuers: mounts.map((m) => m.issuer),
    jwksUrl: `${issuer}/jwks`,
    log,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

const asksGraph = (scope) => String(scope ?? '').split(' ').includes(GRAPH_SCOPE);

function makeProvider(issuer, tid, jwk, redirectUri, accessTokenTTL, refreshTokenTTL, graphConsent) {
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'none',
      application_type: 'web',
      redirect_uris: [redirectUri],
      // Where RP-Initiated Logout may send the browser back to (the app's own URL, as Entra
      // requires post_logout_redirect_uri to be a registered redirect URI).
      post_logout_redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }],
    jwks: { keys: [jwk] },
    pkce: { methods: ['S256'], required: () => true },
    scopes: ['openid', 'profile', 'offline_access'],
    claims: { openid: ['sub', 'tid'], profile: ['name', 'preferred_username'] },
    conformIdTokenClaims: false,
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, tid, name: 'Ada Lovelace', preferred_username: 'ada@contoso.example' }),
    }),
    // Entra issues refresh tokens to SPAs that ask for offline_access, without a consent prompt.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    clientBasedCORS: () => true,
    ttl: { AccessToken: accessTokenTTL, IdToken: 3600, RefreshToken: refreshTokenTTL, AuthorizationCode: 60, Grant: 86400, Interaction: 3600, Session: 86400 },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Like Entra's v2 endpoint, the resource follows from the scope asked for.
        defaultResource: (ctx) => (asksGraph(ctx.oidc.params?.scope) ? GRAPH_RESOURCE : ARM_RESOURCE),
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          const scope = { [ARM_RESOURCE]: `${ARM_RESOURCE}/user_impersonation`, [GRAPH_RESOURCE]: GRAPH_SCOPE }[resource];
          if (!scope) throw new errors.InvalidTarget();
          return { scope, audience: resource, accessTokenFormat: 'jwt', accessTokenTTL, jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    // Extra claims Entra puts in ARM access tokens and the emulator reads.
    extraTokenClaims: async (_ctx, token) => ({ tid, oid: token.accountId }),
  });
  // Entra grants offline_access to a SPA without `prompt=consent`; oidc-provider follows OIDC
  // Core strictly and drops it otherwise. Ask for consent on the app's behalf, so the test
  // provider hands out refresh tokens the way Entra does while the app sends what it sends to
  // Entra.
  provider.use(async (ctx, next) => {
    if (ctx.path === '/auth' && /offline_access/.test(ctx.query.scope ?? '') && !ctx.query.prompt) {
      ctx.query = { ...ctx.query, prompt: 'consent' };
    }
    // Consent to Graph exists: Entra's refresh tokens are not tied to a resource, so the
    // sign-in's refresh token must yield Graph tokens too; oidc-provider's are, so the sign-in
    // is granted both resources here (the app still asks only for ARM).
    if (graphConsent === 'granted' && ctx.path === '/auth' && /user_impersonation/.test(ctx.query.scope ?? '')) {
      ctx.query = { ...ctx.query, scope: `${ctx.query.scope} ${GRAPH_SCOPE}`, resource: [ARM_RESOURCE, GRAPH_RESOURCE] };
    }
    await next();
    // No consent: oidc-provider refuses a scope the refresh token was not granted with
    // invalid_scope; Entra answers AADSTS65001.
    if (ctx.path === '/token' && ctx.status === 400 && ctx.body?.error === 'invalid_scope' && asksGraph(ctx.oidc?.params?.scope)) {
      ctx.body = entraConsentRequired();
    }
  });
  provider.on('server_error', (_ctx, err) => console.error('oidc-provider:', err));
  return provider;
}

/// Completes oidc-provider's development login and consent pages as a user would. With a
/// session at the provider already, the login page is skipped (and a popup may close by itself).
export async function signInAsUser(page, login = 'ada') {
  const loginField = page.locator('input[name="login"]');
  const consent = page.getByRole('button', { name: /continue/i });
  const closed = new Promise((r) => page.once('close', () => r('closed')));
  const first = await Promise.race([
    loginField.waitFor().then(() => 'login'),
    consent.waitFor().then(() => 'consent'),
    closed,
  ]);
  if (first === 'closed') return;
  if (first === 'login') {
    await loginField.fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: /sign-?in/i }).click();
  }
  const next = await Promise.race([consent.waitFor({ timeout: 10_000 }).then(() => 'consent'), closed, page.waitForURL((u) => !u.pathname.includes('/interaction/'), { timeout: 10_000 }).then(() => 'done')]).catch(() => 'done');
  if (next === 'consent') await consent.click().catch(() => {});
}

/// Confirms oidc-provider's RP-Initiated Logout page ("Do you want to sign-out …?") as a user
/// would, and waits until the provider has sent the browser back to the app.
export async function confirmSignOut(page, appUrl) {
  await page.waitForURL((u) => u.pathname.startsWith('/session/end'), { timeout: 60_000 });
  await page.getByRole('button', { name: /yes, sign me out/i }).click();
  await page.waitForURL((u) => u.href.startsWith(appUrl) && !u.pathname.startsWith('/session/end'), { timeout: 20_000 });
}
