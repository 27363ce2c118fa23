from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Shipped inside the package (a link to the project's seeds/ in a source checkout).
PACKAGED_SEEDS = Path(__file__).resolve().parents[1] / "seeding" / "seeds"
# A source checkout keeps its database in its own var/; an installed package in the working
# directory's var/ (site-packages is no place for data).
_DATA_HOME = PROJECT_ROOT if (PROJECT_ROOT / "pyproject.toml").is_file() else Path.cwd()
DEFAULT_DATABASE_URL = f"sqlite:///{_DATA_HOME / 'var' / 'commitments.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMMITMENTS_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = "UTC"
    # Sync endpoints run in this many threads; the connection pool is sized from it.
    # Few: requests are mostly CPU-bound under one interpreter lock, and more threads only
    # contend for it (docs/performance.md).
    worker_threads: int = Field(default=4, ge=1, le=256)
    # Statements read at once per process (reading one is CPU work of up to seconds): more
    # answer 503 with Retry-After, so that the other request threads stay free for reads.
    ingest_concurrency: int = Field(default=1, ge=1, le=16)
    pool_timeout_seconds: float = Field(default=10.0, gt=0)
    # PostgreSQL: how long a new connection may take, and how long any one exchange with the
    # server (a statement, a fetch, a commit) may wait for its answer before the connection
    # is dropped and the request answered 503. Keepalives find a silent peer besides.
    database_connect_timeout_seconds: int = Field(default=5, ge=2, le=300)
    database_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    # /readyz answers 503 when the database has not answered its check within this.
    readiness_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    seeds_dir: Path = PACKAGED_SEEDS
    public_url: str = "http://127.0.0.1:8000"
    # Cross-origin browser access is closed unless origins are listed (JSON list in the env).
    cors_origins: list[str] = Field(default_factory=list)
    auth_failures_per_minute: int = Field(default=30, ge=1, le=100_000)
    # Where failed authentications are counted: memory:// (per worker process) or
    # redis://host:port/db (shared by every worker and replica).
    rate_limit_storage: str = "memory://"
    # Addresses (or networks) of the reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; from anyone else these headers are ignored.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Log lines as readable text, or one JSON object each for a log collector.
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # /metrics: off (not served), token (a bearer token of scope "metrics", issued by an
    # administrator) or open (for a port only the monitoring network reaches).
    metrics: Literal["off", "token", "open"] = "token"
    # Rendered lists, commitments and reports kept in memory per process while the register
    # is unchanged (app.core.cache); 0 turns it off.
    response_cache_mb: int = Field(default=64, ge=0, le=65_536)
    # A commitment and a page of commitments read and rendered before the framework's routing
    # when their parameters are plain (app.core.answers); off, every read goes by the routes.
    direct_reads: bool = True
    # How long a sign-in to the board lasts (its session ends sooner when the officer signs
    # out, or when the token it was opened with is revoked).
    board_session_hours: int = Field(default=12, ge=1, le=24 * 30)
    # When `commitments worker` runs each job: crontab lines in the configured time zone.
    jobs_schedule: dict[str, str] = Field(
        default_factory=lambda: {
            "cycles": "10 0 * * *",
            "reminders": "0 7 * * *",
            "prune": "20 * * * *",
            "webhooks": "* * * * *",
        }
    )
    # How long a job's run, and each unit of work it claims (a webhook delivery), is held
    # without a sign of life: the worker renews its leases every third of it, and work whose
    # worker died is taken up once its lease lapses. Keep workers' clocks within a fraction of
    # it of each other (NTP).
    jobs_lease_seconds: int = Field(default=60, ge=3, le=3600)
    # Reminders to leads by e-mail: off while the SMTP host is unset.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65_535)
    smtp_from: str = "commitments@localhost"
    # STARTTLS on a plain connection (port 587, usually), or TLS from the first byte (465).
    # Either way the server's certificate is verified against the system's CAs, or against
    # smtp_ca_file alone when it is set (an internal CA).
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_ca_file: Path | None = None
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # How long a run's claim on a mail it is sending lasts: a run that died leaves its mails
    # to a later run once it lapses. Above the longest send (three tries, each waiting up to
    # smtp_timeout_seconds for every answer of the server), or a slow send may go twice.
    reminder_lease_seconds: float = Field(default=600.0, gt=0, le=86_400)
    # Days before a due date on which a lead is reminded, and days without a note after
    # which an open commitment is stale.
    reminder_days: list[Annotated[int, Field(ge=1, le=365)]] = Field(
        default_factory=lambda: [14, 3], max_length=10
    )
    stale_days: int = Field(default=90, ge=1, le=3650)
    # The day of the week (0 Monday ... 6 Sunday) whose run also mails each lead a digest of
    # every open commitment they lead.
    digest_weekday: int = Field(default=0, ge=0, le=6)
    # How long the worker's own records are kept (runs of jobs, webhook deliveries that
    # ended and their events, reminders mailed); the prune job deletes what is older. Records
    # of reminders are kept at least as long as they can still stop a second mail.
    retention_days: int = Field(default=90, ge=7, le=3650)
    # How long the answer to a request sent with an Idempotency-Key is kept: the same key
    # within it replays the answer; the prune job deletes older ones.
    idempotency_retention_hours: int = Field(default=24, ge=1, le=24 * 30)
    # Signs webhook bodies: each endpoint's secret is derived from it (none is stored).
    # Changing it changes every endpoint's secret. Webhooks cannot be registered without it.
    webhook_key: SecretStr | None = None
    # Webhooks go only to public addresses, over https. Networks listed here (a JSON list of
    # CIDRs in the env, e.g. ["10.20.0.0/16"]) are reached too, over http as well: receivers
    # inside the organisation. Nothing else that is not public is ever posted to.
    webhook_allowed_networks: list[IPvAnyNetwork] = Field(default_factory=list, max_length=100)

    @field_validator("public_url")
    @classmethod
    def _without_trailing_slash(cls, value: str) -> str:
        # Links are built as public_url + "/api/...".
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    @model_validator(mode="after")
    def _password_never_in_clear(self) -> "Settings":
        if self.smtp_username and not (self.smtp_starttls or self.smtp_ssl):
            raise ValueError(
                "COMMITMENTS_SMTP_USERNAME needs COMMITMENTS_SMTP_STARTTLS or "
                "COMMITMENTS_SMTP_SSL: the password is never sent over a plain connection"
            )
        if self.smtp_starttls and self.smtp_ssl:
            raise ValueError("Set COMMITMENTS_SMTP_STARTTLS or COMMITMENTS_SMTP_SSL, not both")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
