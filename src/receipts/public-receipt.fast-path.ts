import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { RequestHandler } from 'express';
import { Logger, PinoLogger } from 'nestjs-pino';
import proxyAddr from 'proxy-addr';
import { DomainError, RateLimitedError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import { PROBLEM_CONTENT_TYPE } from '#src/common/errors/problem.js';
import { problemFor } from '#src/common/errors/problem.filter.js';
import { requestIdOf } from '#src/common/http/request-id.js';
import { ReceiptsService } from '#src/receipts/receipts.service.js';

const PATH = '/v1/public/receipts/';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * `GET /v1/public/receipts/{code}` answered in front of the framework (decision 0018). It is the
 * one route anyone may call without a key, as often as they like, with one indexed read behind
 * it: routing, guards, interceptors and pipes cost several times that read. This listener takes
 * the request before Express does and gives it what the framework would: a request id, the same
 * security headers (the app's own helmet instance), the rate limit, the body of
 * `ReceiptsService`, problem documents for 404, 429 and 503, and a log line. Anything else (HEAD,
 * a code that does not decode, every other path) goes on to Express unchanged, and the Nest route
 * stays declared for the OpenAPI document and for those cases.
 */
export function installPublicReceiptFastPath(
  app: NestExpressApplication,
  securityHeaders: RequestHandler,
): void {
  const receipts = app.get(ReceiptsService);
  const logger = app.get(Logger);
  const trust = app.getHttpAdapter().getInstance().get('trust proxy fn') as (
    address: string,
    hop: number,
  ) => boolean;
  // The security headers are the same for every answer: taken once from the app's own helmet.
  const staticHeaders = headersOf(securityHeaders);
  const logsRequests = PinoLogger.root.isLevelEnabled('info');
  const server = app.getHttpServer() as Server;
  const framework = server.listeners('request') as Listener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const code = receiptCodeOf(req);
    if (code === null) {
      for (const listener of framework) listener(req, res);
      return;
    }
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    void answer(
      receipts,
      logger,
      code,
      proxyAddr(req, trust) || 'unknown',
      req.url!,
      requestId,
      { ...staticHeaders, 'X-Request-Id': requestId },
      res,
    ).then(
      (status) =>
        logsRequests &&
        logger.log(
          {
            req: { id: requestId, method: req.method, url: req.url },
            res: { statusCode: status },
            responseTime: Number(process.hrtime.bigint() - started) / 1e6,
          },
          'request completed',
        ),
      (error: unknown) => logger.error({ err: String(error), requestId }, 'response failed'),
    );
  });
}

/** The verification code of a fast-path request, or null when the framework should take it. */
function receiptCodeOf(req: IncomingMessage): string | null {
  if (req.method !== 'GET' || !req.url?.startsWith(PATH)) return null;
  const end = req.url.indexOf('?');
  const segment = req.url.slice(PATH.length, end < 0 ? undefined : end);
  if (segment === '' || segment.includes('/')) return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The headers a middleware sets on a response, recorded from one dry run. */
function headersOf(middleware: RequestHandler): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => void (headers[name] = String(value)),
    removeHeader: (name: string) => void delete headers[name],
    getHeader: (name: string) => headers[name],
  };
  middleware({ headers: {} } as never, recorder as never, () => undefined);
  return headers;
}

async function answer(
  receipts: ReceiptsService,
  logger: Logger,
  code: string,
  address: string,
  url: string,
  requestId: string,
  headers: Record<string, string>,
  res: ServerResponse,
): Promise<number> {
  try {
    const outcome = await receipts.verifyPublic(code, address);
    if (outcome instanceof RateLimitedError) {
      headers['Retry-After'] = String(outcome.retryAfterSeconds);
      return send(res, headers, problemFor(outcome, url, requestId));
    }
    if (outcome === null) {
      const missing = DomainError.notFound('Receipt with verification code', code.slice(0, 64));
      return send(res, headers, problemFor(missing, url, requestId));
    }
    return send(res, headers, outcome, 200);
  } catch (error) {
    const problem = problemFor(error, url, requestId);
    if (problem.code === ErrorCode.INTERNAL_ERROR)
      logger.error({ err: String(error), requestId, code: problem.code }, 'request failed');
    return send(res, headers, problem);
  }
}

function send(
  res: ServerResponse,
  headers: Record<string, string>,
  body: object & { status?: unknown },
  status?: number,
): number {
  const code = status ?? (body.status as number);
  const text = JSON.stringify(body);
  res.writeHead(code, {
    ...headers,
    'Content-Type': `${code >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json'}; charset=utf-8`,
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
  return code;
}
