"""The one exception family services raise; views, forms and the API show its message."""


class ApplicationError(Exception):
    """A failure the user can understand and act on; `message` is shown to them as is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotInScope(ApplicationError):
    """Asked for something outside the user's scope. Views turn this into 404, never 403."""
