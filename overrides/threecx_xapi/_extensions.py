"""The request extensions a caller sets and the retry transport (`_retries`) reads: names only, so that setting
one loads nothing."""

# A POST safe to repeat on a retried status (the token request: a 429 or 503 issued no token, so asking again
# revokes nothing).
RETRY_SAFE = "threecx_xapi.retry_safe"
# A request whose answer is streamed to a file: its body is read by the caller, chunk by chunk, not here.
STREAMED = "threecx_xapi.streamed"
# (operationId, query options, headers) of a generated call, for a transport that checks it against the PBX's
# version before sending (the fleet's).
OPERATION = "threecx_xapi.operation"
