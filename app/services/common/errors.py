"""The base of every refusal a service raises."""


class ServiceError(Exception):
    """A rule of the domain refused the operation; `field` names the input at fault, if any."""

    field: str | None = None
    # What people are told when it differs from the English message that logs get: a lazily translated
    # string (`_l`), so it is read in the language of whoever sees it.
    text = None

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message or self.__class__.__doc__ or self.__class__.__name__)
        if field is not None:
            self.field = field

    @property
    def message(self) -> str:
        return str(self.text) if self.text is not None else str(self)
