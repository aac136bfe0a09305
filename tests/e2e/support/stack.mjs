// A signed-in world on loopback: the built app (with a config.json naming the others), the
// OpenID provider and the ARM emulator over the demo tenant, started together and stopped
// together. Tests keep one stack at a time and stop it before the next.
import { serveDist } from './server.mjs';
import { startOidc, CLIENT_ID, ARM_RESOURCE } from './oidc.mjs';
import { startEmulator } from './emulator.mjs';

const DIST = process.env.PULLPATH_TEST_DIST ?? 'dist-test';

/** Starts app, provider and emulator (which serves Microsoft Graph too, under `/v1.0/`);
 * `accessTokenTTL` (s), `graphConsent` (see oidc.mjs) and extra emulator arguments are optional. */
export async function startStack({ accessTokenTTL, graphConsent, emulatorArgs = [] } = {}) {
  const config = {};
  const app = await serveDist(DIST, { overrides: { '/config.json': () => JSON.stringify(config) } });
  const oidc = await startOidc({ redirectUri: `${app.url}/`, graphConsent, ...(accessTokenTTL === undefined ? {} : { accessTokenTTL }) });
  const arm = await startEmulator(['--scenario', 'demo', '--jwks-url', oidc.jwksUrl, '--issuer', oidc.issuer, '--audience', ARM_RESOURCE, ...emulatorArgs]);
  Object.assign(config, { clientId: CLIENT_ID, authority: oidc.issuer, armOrigin: arm.url, graphOrigin: arm.url });
  return { app, oidc, arm, close: async () => { await arm.close(); await oidc.close(); await app.close(); } };
}
