// Proves the foundation through HTTP: access control with hashed, revocable keys; problem+json
// for every kind of bad request; the audit trail written with each write and refused to edits;
// health, request ids and the OpenAPI document.
import SwaggerParser from '@apidevtools/swagger-parser';
import { expectProblem, fieldsOf } from './support/problem.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('foundation', () => {
  let t: TestApp;
  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('access', () => {
    it('answers 401 problem+json without a key', async () => {
      const response = await t.http().get('/v1/api-keys');
      expectProblem(response, 401, 'UNAUTHENTICATED');
    });

    it('answers 401 for an unknown or malformed key', async () => {
      expectProblem(
        await t
          .http()
          .get('/v1/api-keys')
          .set(bearer('unf_0123456789abcdef_' + 'A'.repeat(43))),
        401,
        'UNAUTHENTICATED',
      );
      expectProblem(
        await t.http().get('/v1/api-keys').set({ Authorization: 'Basic abc' }),
        401,
        'UNAUTHENTICATED',
      );
    });

    it('answers 403 when the role may not call the route', async () => {
      const finance = await t.createKey('finance');
      expectProblem(await t.http().get('/v1/api-keys').set(bearer(finance)), 403, 'FORBIDDEN');
      expectProblem(await t.http().get('/v1/audit-events').set(bearer(finance)), 403, 'FORBIDDEN');
    });

    it('creates a key that works, shows it once and stores only its digest', async () => {
      const created = await t
        .http()
        .post('/v1/api-keys')
        .set(bearer(t.adminKey))
        .send({ name: '  Auditor desk  ', role: 'auditor' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'Auditor desk',
        role: 'auditor',
        donorId: null,
        revokedAt: null,
      });
      expect(created.body.key).toMatch(/^unf_[0-9a-f]{16}_/);

      const auditorCall = await t.http().get('/v1/audit-events').set(bearer(created.body.key));
      expect(auditorCall.status).toBe(200);

      const listed = await t.http().get('/v1/api-keys').set(bearer(t.adminKey));
      expect(listed.status).toBe(200);
      expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
      expect(listed.body.items.map((k: { id: string }) => k.id)).toContain(created.body.id);

      const stored = await t.sql<{ secret_hash: Buffer }>(
        'SELECT secret_hash FROM api_keys WHERE id = $1',
        [created.body.id],
      );
      expect(stored[0].secret_hash.toString('utf8')).not.toContain(created.body.key.split('_')[2]);
    });

    it('refuses a revoked key at once and answers the revoked key', async () => {
      const finance = await t
        .http()
        .post('/v1/api-keys')
        .set(bearer(t.adminKey))
        .send({ name: 'temp', role: 'admin' });
      expect((await t.http().get('/v1/api-keys').set(bearer(finance.body.key))).status).toBe(200);
      const revoked = await t
        .http()
        .delete(`/v1/api-keys/${finance.body.id}`)
        .set(bearer(t.adminKey));
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).toMatch(/Z$/);
      expect(revoked.body.key).toBeUndefined();
      expectProblem(
        await t.http().get('/v1/api-keys').set(bearer(finance.body.key)),
        401,
        'UNAUTHENTICATED',
      );
    });

    it('answers 404 for an unknown or malformed key id', async () => {
      expectProblem(
        await t
          .http()
          .delete('/v1/api-keys/00000000-0000-4000-8000-000000000000')
          .set(bearer(t.adminKey)),
        404,
        'NOT_FOUND',
      );
      expectProblem(
        await t.http().delete("/v1/api-keys/1'%20OR%201=1").set(bearer(t.adminKey)),
        404,
        'NOT_FOUND',
      );
    });

    it('binds donor keys to an existing donor', async () => {
      const missing = await t
        .http()
        .post('/v1/api-keys')
        .set(bearer(t.adminKey))
        .send({ name: 'd', role: 'donor' });
      expectProblem(missing, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(missing)).toEqual(['donorId']);
      const unknown = await t
        .http()
        .post('/v1/api-keys')
        .set(bearer(t.adminKey))
        .send({ name: 'd', role: 'donor', donorId: '00000000-0000-4000-8000-000000000000' });
      expectProblem(unknown, 404, 'NOT_FOUND');
      const misplaced = await t
        .http()
        .post('/v1/api-keys')
        .set(bearer(t.adminKey))
        .send({ name: 'd', role: 'finance', donorId: '00000000-0000-4000-8000-000000000000' });
      expect(fieldsOf(misplaced)).toEqual(['donorId']);
    });

    it('pages the key list with an opaque cursor', async () => {
      for (let i = 0; i < 3; i += 1) await t.createKey('auditor');
      const first = await t.http().get('/v1/api-keys?limit=2').set(bearer(t.adminKey));
      expect(first.body.items).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await t
        .http()
        .get(`/v1/api-keys?limit=2&cursor=${first.body.nextCursor}`)
        .set(bearer(t.adminKey));
      const ids = [...first.body.items, ...second.body.items].map((k: { id: string }) => k.id);
      expect(new Set(ids).size).toBe(ids.length);
      expectProblem(
        await t.http().get('/v1/api-keys?limit=0').set(bearer(t.adminKey)),
        400,
        'VALIDATION_FAILED',
      );
      expectProblem(
        await t.http().get('/v1/api-keys?limit=501').set(bearer(t.adminKey)),
        400,
        'VALIDATION_FAILED',
      );
      expectProblem(
        await t.http().get('/v1/api-keys?cursor=bm9wZQ').set(bearer(t.adminKey)),
        400,
        'VALIDATION_FAILED',
      );
    });
  });

  describe('bad requests', () => {
    const post = (body: string, contentType = 'application/json') =>
      t
        .http()
        .post('/v1/api-keys')
        .set(bearer(t.adminKey))
        .set('Content-Type', contentType)
        .send(body);

    it('names an unknown field', async () => {
      const response = await post(JSON.stringify({ name: 'x', role: 'finance', colour: 'blue' }));
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(response)).toEqual(['colour']);
    });

    it('names every field of the wrong type or missing', async () => {
      const response = await post(JSON.stringify({ name: 42, role: 'treasurer' }));
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(new Set(fieldsOf(response))).toEqual(new Set(['name', 'role']));
      const empty = await t.http().post('/v1/api-keys').set(bearer(t.adminKey));
      expect(new Set(fieldsOf(empty))).toEqual(new Set(['name', 'role']));
    });

    it('answers 400 for malformed JSON and for a body that is not an object', async () => {
      expectProblem(await post('{"name": "x",'), 400, 'VALIDATION_FAILED');
      expectProblem(await post('[1,2]'), 400, 'VALIDATION_FAILED');
      expectProblem(await post('null'), 400, 'VALIDATION_FAILED');
    });

    it('answers 413 for a body over 1 MB', async () => {
      const response = await post(JSON.stringify({ name: 'x'.repeat(1_100_000), role: 'finance' }));
      expectProblem(response, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('answers 415 for a body that is not JSON', async () => {
      expectProblem(
        await post('name=x', 'application/x-www-form-urlencoded'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });

    it('answers 404 problem+json for an unknown route', async () => {
      expectProblem(await t.http().get('/v1/nothing-here'), 404, 'NOT_FOUND');
    });

    it('changes nothing when it refuses a request', async () => {
      const before = await t.sql<{ n: string }>('SELECT count(*)::text AS n FROM api_keys');
      await post(JSON.stringify({ name: 'x', role: 'finance', extra: true }));
      const after = await t.sql<{ n: string }>('SELECT count(*)::text AS n FROM api_keys');
      expect(after[0].n).toBe(before[0].n);
    });
  });

  describe('audit trail', () => {
    it('records each write with its key, role and request id', async () => {
      const auditor = await t.createKey('auditor');
      const created = await t
        .http()
        .post('/v1/api-keys')
        .set(bearer(t.adminKey))
        .set('X-Request-Id', 'req-audit-1')
        .send({ name: 'traced', role: 'finance' });
      expect(created.headers['x-request-id']).toBe('req-audit-1');
      const events = await t.http().get('/v1/audit-events?limit=500').set(bearer(auditor));
      expect(events.status).toBe(200);
      const event = events.body.items.find(
        (e: { resourceId: string }) => e.resourceId === created.body.id,
      );
      expect(event).toMatchObject({
        action: 'api_key.created',
        resourceType: 'api_key',
        role: 'admin',
        requestId: 'req-audit-1',
      });
      expect(event.apiKeyId).toEqual(expect.any(String));
      expect(event.occurredAt).toMatch(/Z$/);
    });

    it('filters by time and refuses a bad date', async () => {
      const auditor = await t.createKey('auditor');
      const future = await t.http().get('/v1/audit-events?from=2999-01-01').set(bearer(auditor));
      expect(future.body.items).toEqual([]);
      expectProblem(
        await t.http().get('/v1/audit-events?from=2026-02-30').set(bearer(auditor)),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('is refused UPDATE and DELETE by the database', async () => {
      await expect(t.sql("UPDATE audit_events SET action = 'forged'")).rejects.toThrow(
        /append-only/,
      );
      await expect(t.sql('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
      await expect(t.sql('TRUNCATE audit_events')).rejects.toThrow(/append-only/);
    });
  });

  describe('operations', () => {
    it('reports liveness and readiness without a key', async () => {
      expect((await t.http().get('/health/live')).body).toEqual({ status: 'ok' });
      const ready = await t.http().get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.details.database.status).toBe('up');
    });

    it('generates a request id when none is given', async () => {
      const response = await t.http().get('/health/live');
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('sets the helmet security headers', async () => {
      const response = await t.http().get('/health/live');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-powered-by']).toBeUndefined();
    });

    it('serves a valid OpenAPI 3 document with the bearer scheme and problem schema', async () => {
      const response = await t.http().get('/openapi.json');
      expect(response.status).toBe(200);
      const document = response.body;
      await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeDefined();
      expect(document.openapi).toMatch(/^3\./);
      expect(document.components.securitySchemes.apiKey).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      expect(document.components.schemas.ProblemSchema).toBeDefined();
      const keysPost = document.paths['/v1/api-keys'].post;
      expect(Object.keys(keysPost.responses)).toEqual(
        expect.arrayContaining(['201', '400', '401', '403']),
      );
    });

    it('serves Swagger UI at /docs', async () => {
      const response = await t.http().get('/docs/');
      expect(response.status).toBe(200);
      expect(response.text).toContain('swagger-ui');
    });
  });
});
