/**
 * @module Request body limits of the routes that take documents (REST, webhook, MCP).
 */
import { bodyLimit } from "hono/body-limit";
import { MAX_DOCUMENT_BYTES, tooLarge } from "../../workflows/service";

/** Refuses a body over `maxSize` bytes with the document-too-large error (413). */
export const documentBodyLimitOf = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw tooLarge(maxSize);
    },
  });

/** 28 MB: base64 (or JSON escaping) makes a 20 MB document about 27 MB of JSON. */
export const DOCUMENT_BODY_BYTES = Math.ceil(MAX_DOCUMENT_BYTES * 1.4);

/** For bodies that carry one document of up to MAX_DOCUMENT_BYTES. */
export const documentBodyLimit = documentBodyLimitOf(DOCUMENT_BODY_BYTES);
