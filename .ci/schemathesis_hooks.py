"""Schemathesis hooks: how to send the media types it has no built-in serializer for."""

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson_serializer(ctx, value):
    """A JSON Lines body is text: send the generated string as UTF-8 bytes."""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")
