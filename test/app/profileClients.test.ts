/** ProfileClients rebuilds a profile's client exactly when the profile or its SecretKey changes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProfileClients } from '../../core/app/profileClients.ts';
import type { SecretStore, StoredProfile } from '../../core/app/settings.ts';

function memorySecrets(): SecretStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return { values, get: async (name) => values.get(name), set: async (name, value) => void values.set(name, value), delete: async (name) => void values.delete(name) };
}

describe('ProfileClients', () => {
  const profile: StoredProfile = { kind: 'cos', id: 'p1', name: 'Real', secretId: 'AKIDx', region: 'ap-guangzhou', bucket: 'b-1250000000', endpoint: 'http://127.0.0.1:9' };

  it('keeps the client while nothing changes and rebuilds it for any other SecretKey', async () => {
    const secrets = memorySecrets();
    const clients = new ProfileClients(secrets, () => undefined);
    await assert.rejects(async () => clients.client('p1'), /no account/);
    await clients.refresh([profile]);
    assert.throws(() => clients.client('p1'), (error: Error & { code?: string }) => error.code === 'MissingSecretKey');
    await secrets.set('profile.p1.secretKey', 'secret-AAAA-1234');
    await clients.refresh([profile]);
    const first = clients.client('p1');
    await clients.refresh([profile]);
    assert.equal(clients.client('p1'), first);
    // Same length and the same last characters: still a different key.
    await secrets.set('profile.p1.secretKey', 'secret-BBBB-1234');
    await clients.refresh([profile]);
    assert.notEqual(clients.client('p1'), first);
    await clients.close();
  });
});
