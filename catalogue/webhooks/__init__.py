"""Webhooks (no Flask): `consumers` (registering, who may), `urls` (no server-side request forgery), `outbox` (which
consumer gets which change; replay), `signing` (HMAC-SHA256 headers), `sender` (one POST), `worker` (claiming,
delivering, retries, pausing)."""
