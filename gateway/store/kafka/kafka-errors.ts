// Maps KafkaClientError kinds onto the AppError catalogue (shared/errors.ts).
import { AppError, ErrorCode, badRequest, notFound, storeUnavailable } from '../../../shared/errors.js';
import { KafkaClientError } from './kafka-client.js';

/** The AppError a failed Kafka call becomes; anything unexpected is STORE_UNAVAILABLE (retriable). */
export function toAppError(e: unknown, topic: string): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof KafkaClientError) {
    switch (e.kind) {
      case 'unknown-topic':
        return notFound(`unknown topic ${topic}`);
      case 'invalid':
        return badRequest(e.message);
      case 'too-large':
        return new AppError(ErrorCode.TOO_LARGE, e.message);
      case 'topic-exists':
      case 'unavailable':
        break;
    }
  }
  const msg = e instanceof Error ? e.message : String(e);
  return storeUnavailable(msg.startsWith('kafka') ? msg : `kafka: ${msg}`, { cause: e });
}

/** Whether an error says something about Kafka's health (true) or only about the request (false). */
export function isBackendFailure(e: AppError): boolean {
  return e.code === ErrorCode.STORE_UNAVAILABLE;
}
