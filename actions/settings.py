"""Settings of the action server (docs/settings.md): the shared ones, the verification limits
and the customer directory. Limits are counted by the action server, never by the model
(docs/verification.md)."""

from pathlib import Path

from common.settings import ROOT, SharedSettings, setting


class Settings(SharedSettings):
    """The action server's own settings"""

    account_limit: int = setting(
        3, "VERIFY_ACCOUNT_LIMIT", "failed identity checks per account record", gt=0
    )
    account_window_seconds: int = setting(
        86400, "VERIFY_ACCOUNT_WINDOW_SECONDS", "... within this rolling window", gt=0
    )
    visitor_limit: int = setting(
        3, "VERIFY_VISITOR_LIMIT", "failed checks per visitor (conversation and address)", gt=0
    )
    visitor_window_seconds: int = setting(
        86400, "VERIFY_VISITOR_WINDOW_SECONDS", "... within this rolling window", gt=0
    )
    directory_url: str | None = setting(
        None, "DIRECTORY_URL", "the company's CRM over HTTP (docs/verification.md); unset: SQLite"
    )
    directory_token: str | None = setting(None, "DIRECTORY_TOKEN", "bearer token of the CRM")
    directory_timeout_seconds: float = setting(
        5.0, "DIRECTORY_TIMEOUT_SECONDS", "longest a CRM lookup may take", gt=0
    )
    directory_path: Path = setting(
        ROOT / "var" / "directory.sqlite3",
        "DIRECTORY_PATH",
        "the SQLite customer directory (`make directory` writes a sample)",
    )
