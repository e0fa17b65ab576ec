import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { RequestHandler } from 'express';
import { Logger } from 'nestjs-pino';
import proxyAddr from 'proxy-addr';
import { RateLimitedError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import { buildProblem, PROBLEM_CONTENT_TYPE } from '#src/common/errors/problem.js';
import { isDatabaseUnavailable } from '#src/common/errors/problem.filter.js';
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
    res.setHeader('X-Request-Id', requestId);
    securityHeaders(req as never, res as never, () => undefined);
    void answer(
      receipts,
      logger,
      code,
      proxyAddr(req, trust) || 'unknown',
      req.url!,
      requestId,
      res,
    ).then(
      (status) =>
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

async function answer(
  receipts: ReceiptsService,
  logger: Logger,
  code: string,
  address: string,
  url: string,
  requestId: string,
  res: ServerResponse,
): Promise<number> {
  const extras = { instance: url, requestId };
  try {
    const outcome = await receipts.verifyPublic(code, address);
    if (outcome instanceof RateLimitedError) {
      res.setHeader('Retry-After', String(outcome.retryAfterSeconds));
      return send(res, buildProblem(outcome.code, outcome.message, extras));
    }
    if (outcome === null) {
      return send(
        res,
        buildProblem(
          ErrorCode.NOT_FOUND,
          `Receipt with verification code ${code.slice(0, 64)} was not found`,
          extras,
        ),
      );
    }
    return send(res, outcome, 200);
  } catch (error) {
    if (isDatabaseUnavailable(error)) {
      return send(
        res,
        buildProblem(
          ErrorCode.SERVICE_UNAVAILABLE,
          'The database cannot be reached; retry later.',
          extras,
        ),
      );
    }
    logger.error(
      { err: String(error), requestId, code: ErrorCode.INTERNAL_ERROR },
      'request failed',
    );
    return send(
      res,
      buildProblem(
        ErrorCode.INTERNAL_ERROR,
        `An unexpected error occurred; quote request id ${requestId} when reporting it.`,
        extras,
      ),
    );
  }
}

function send(res: ServerResponse, body: object & { status?: unknown }, status?: number): number {
  const code = status ?? (body.status as number);
  const text = JSON.stringify(body);
  res.statusCode = code;
  res.setHeader(
    'Content-Type',
    `${code >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json'}; charset=utf-8`,
  );
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
  return code;
}
