"""The desk's refusal: `DeskError`, mapped to a JSON error with its HTTP status."""


class DeskError(Exception):
    """A request the desk refuses: `code` names why, `message` tells the person in Chinese."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.status = status
