import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { classifyClientError } from './error-classification.js';
import type { ErrorRenderer } from './error-renderer.js';

/**
 * Answers HTTP that Node rejects before routing (a URL or headers over the size limit, broken
 * syntax) in the plane's error format instead of a bare status line, then closes the connection.
 */
export function answerClientErrors(server: Server, renderer: ErrorRenderer): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const classified = classifyClientError(error);
    const { contentType, body } = renderer.format(classified, undefined);
    socket.end(
      `HTTP/1.1 ${classified.status} ${classified.title}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
