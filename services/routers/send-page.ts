import type { FastifyReply } from 'fastify';
import type { SearchPage } from '../logic/index.ts';

/** Sends a search page as DiracX does: its status, and Content-Range when it is partial. */
export function sendPage(reply: FastifyReply, page: SearchPage) {
  if (page.contentRange !== undefined) reply.header('Content-Range', page.contentRange);
  return reply.code(page.status).send(page.rows);
}
