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
        3,
        "VERIFY_VISITOR_LIMIT",
        "failed checks per visitor (the browser's `visitor_id`, and the conversation)",
        gt=0,
    )
    visitor_window_seconds: int = setting(
        86400, "VERIFY_VISITOR_WINDOW_SECONDS", "... within this rolling window", gt=0
    )
    address_limit: int = setting(
        20,
        "VERIFY_ADDRESS_LIMIT",
        "failed checks per client address, whoever makes them: mass guessing from one network "
        "(higher than the visitor's: many visitors can share an address)",
        gt=0,
    )
    address_window_seconds: int = setting(
        86400, "VERIFY_ADDRESS_WINDOW_SECONDS", "... within this rolling window", gt=0
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
    server_host: str = setting(
        "127.0.0.1", "ACTION_SERVER_HOST", "the interface the action server listens on"
    )
    server_port: int = setting(5055, "ACTION_PORT", "the action server's port", gt=0)
    server_token: str = setting(
        "",
        "ACTION_SERVER_TOKEN",
        "the secret Rasa sends with each action call (endpoints.yml); required",
    )
