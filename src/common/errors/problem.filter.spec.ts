// Proves that every way pg and TypeORM report a database that is down, restarting or cut off
// answers 503 SERVICE_UNAVAILABLE, and that an error that is not about reaching the database
// still answers 500. test/reliability/outage.e2e-spec.ts provokes most of these for real; the
// ones a test cannot time (a server still starting up, a connection lost between two statements
// of a transaction) are written out here as pg and TypeORM raise them.
import { type ArgumentsHost, Logger } from '@nestjs/common';
import pg from 'pg';
import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';
import { ProblemFilter } from '#src/common/errors/problem.filter.js';

interface Sent {
  status: number;
  contentType: string;
  body: { status: number; code: string; detail: string };
}

function answer(exception: unknown): Sent {
  const sent = { status: 0, contentType: '', body: '' };
  const response = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return response;
    },
    type(contentType: string) {
      sent.contentType = contentType;
      return response;
    },
    send(body: string) {
      sent.body = body;
      return response;
    },
  };
  const host = {
    switchToHttp: () => ({
      getRequest: () => ({ originalUrl: '/v1/payments', id: 'req-1' }),
      getResponse: () => response,
    }),
  } as unknown as ArgumentsHost;
  new ProblemFilter().catch(exception, host);
  return { ...sent, body: JSON.parse(sent.body) as Sent['body'] };
}

/** An error as pg's protocol parser raises it for an ErrorResponse from the server. */
function serverError(code: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  error.severity = 'FATAL';
  return error;
}

function socketError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, errno: -1, syscall: 'connect' });
}

/** A failed statement as TypeORM wraps it. */
function failedQuery(driverError: Error): QueryFailedError {
  return new QueryFailedError('SELECT 1', [], driverError);
}

beforeEach(() => {
  // The filter logs every 5xx; the answers are what this spec is about.
  jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('ProblemFilter: the database cannot be reached', () => {
  const unavailable: [string, unknown][] = [
    [
      'server refuses connections (stopped)',
      socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
    ],
    ['connection reset mid-statement', failedQuery(socketError('ECONNRESET', 'read ECONNRESET'))],
    [
      'server host unreachable (connect timed out by the OS)',
      socketError('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.9:5432'),
    ],
    [
      'session ended by an administrator or fast shutdown (57P01)',
      failedQuery(serverError('57P01', 'terminating connection due to administrator command')),
    ],
    [
      'server crashed and restarts its sessions (57P02)',
      failedQuery(
        serverError('57P02', 'terminating connection because of crash of another server process'),
      ),
    ],
    [
      'server still starting up or recovering (57P03)',
      serverError('57P03', 'the database system is starting up'),
    ],
    [
      'idle session ended by the server (57P05)',
      failedQuery(serverError('57P05', 'terminating connection due to idle-session timeout')),
    ],
    [
      'server out of connection slots (53300)',
      serverError('53300', 'sorry, too many clients already'),
    ],
    [
      'statement timeout (57014)',
      failedQuery(serverError('57014', 'canceling statement due to statement timeout')),
    ],
    [
      'socket closed without a word (immediate shutdown)',
      failedQuery(new Error('Connection terminated unexpectedly')),
    ],
    ['pg connect timeout', new Error('Connection terminated due to connection timeout')],
    [
      'pool wait timeout (every connection busy)',
      new Error('timeout exceeded when trying to connect'),
    ],
    ['pg client-side query timeout', failedQuery(new Error('Query read timeout'))],
    [
      'statement on a client the pool already closed',
      failedQuery(new Error('Client was closed and is not queryable')),
    ],
    [
      'connection lost between statements of a transaction (query runner)',
      new QueryRunnerAlreadyReleasedError(),
    ],
    [
      'connection lost between statements of a transaction (entity manager)',
      new QueryRunnerProviderAlreadyReleasedError(),
    ],
  ];

  it.each(unavailable)('%s → 503 SERVICE_UNAVAILABLE', (_, exception) => {
    expect(answer(exception)).toMatchObject({
      status: 503,
      contentType: 'application/problem+json',
      body: { status: 503, code: 'SERVICE_UNAVAILABLE' },
    });
  });

  it('never says more than "retry later" about the cause', () => {
    const sent = answer(socketError('ECONNREFUSED', 'connect ECONNREFUSED 10.1.2.3:5432'));
    expect(sent.body.detail).toBe('The database cannot be reached; retry later.');
  });
});

describe('ProblemFilter: other database errors are not outages', () => {
  const internal: [string, unknown][] = [
    ['a plain programming error', new Error('Cannot read properties of undefined')],
    [
      'a missing table (42P01)',
      failedQuery(serverError('42P01', 'relation "nope" does not exist')),
    ],
    [
      'a syntax error (42601)',
      failedQuery(serverError('42601', 'syntax error at or near "SELEC"')),
    ],
  ];

  it.each(internal)('%s → 500 INTERNAL_ERROR', (_, exception) => {
    expect(answer(exception)).toMatchObject({
      status: 500,
      body: { status: 500, code: 'INTERNAL_ERROR' },
    });
  });
});
