import type { Response } from 'supertest';

/** Asserts an RFC 9457 problem document with the given status and code; returns its body. */
export function expectProblem(
  response: Response,
  status: number,
  code: string,
): Record<string, unknown> {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({
    status,
    code,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(JSON.stringify(response.body)).not.toMatch(/\bat .+\.(js|ts):\d+/);
  return response.body as Record<string, unknown>;
}

/** The field paths named by a validation problem. */
export function fieldsOf(response: Response): string[] {
  return ((response.body?.errors ?? []) as { field: string }[]).map((e) => e.field);
}
