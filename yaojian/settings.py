"""All configuration in one place: environment variables prefixed ``YAOJIAN_``."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YAOJIAN_", env_file=".env", extra="ignore")

    # Embedded default: an SQLite file under ./var/. Production: postgresql+psycopg://…
    database_url: str = "sqlite:///var/yaojian.db"
    # Signs the web session cookie. Left empty, a random key is kept in var/secret.key so that
    # sessions survive a restart of the demo without anyone having to configure anything.
    secret_key: str = ""
    var_dir: Path = Path("var")
    demo_password: str = "demo"
    host: str = "127.0.0.1"
    port: int = 8000
    # Server processes `serve` starts. One serves the demo; a busy public verify wants one per
    # core (each process keeps its own connection pool and its own per-client rate limits).
    workers: int = 1
    default_locale: str = "zh"
    # Lifetime of tokens issued by the OAuth2 password flow (scripts); machine tokens do not expire
    # unless created with an expiry.
    access_token_minutes: int = 12 * 60
    # A profile of argon2-cffi (argon2.profiles). The test suite sets CHEAPEST, as Django's tests
    # use a fast hasher; production keeps the RFC 9106 recommendation.
    argon2_profile: str = "RFC_9106_LOW_MEMORY"
    # Connections each process keeps to PostgreSQL, opened as needed: as many as the web
    # server's thread pool (AnyIO's default, 40) can use at once, so that a busy server never
    # opens and closes a connection per request, as a pool smaller than its threads would.
    db_pool_size: int = 40
    # Public scan-to-verify requests per client address per minute.
    verify_per_minute: int = 60
    # Public verifications a process runs at once (in threads); more wait their turn in the
    # event loop, which costs far less than more threads contending for the GIL.
    verify_threads: int = 2
    # Bulk ingestion (the scale path). Empty: EPCIS documents are stored in-process by the API.
    # Set, e.g. nats://127.0.0.1:4222: the API validates, then queues the document on a JetStream
    # stream for `yaojian worker trace` processes to store.
    nats_url: str = ""
    nats_stream: str = "YAOJIAN_EPCIS"
    nats_subject: str = "yaojian.epcis.capture"
    nats_consumer: str = "yaojian-trace"  # the durable consumer every trace worker shares
    # Seconds a worker may hold a document unacknowledged before JetStream redelivers it; a busy
    # worker extends it while it stores, so this bounds only how long a crashed worker delays.
    nats_ack_wait: float = 30.0

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret.key"
        if not path.exists():
            # Written whole under a private name, then linked into place: two processes
            # starting at once (serve --workers) both end up with the first one's key, and no
            # one ever reads a half-written file.
            self.var_dir.mkdir(parents=True, exist_ok=True)
            draft = path.with_name(f".secret.key.{secrets.token_hex(8)}")
            draft.write_text(secrets.token_urlsafe(48))
            draft.chmod(0o600)
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
