"""`python -m desk`: one desk instance, settings from the environment (desk/settings.py)."""

import logging

from compliance.masking import MaskingFilter
from desk.app import create_app
from desk.settings import DeskSettings


def main() -> None:
    handler = logging.StreamHandler()
    handler.addFilter(MaskingFilter())
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        handlers=[handler],
    )
    settings = DeskSettings.from_env()
    app = create_app(settings)
    app.run(host=settings.host, port=settings.port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
