class DomainError(Exception):
    """A workflow refused: a stable machine-readable ``code`` and a message for people.

    Each app's services raise a subclass; ``backend.exceptions`` turns any of them
    into one API response shape, ``{"code": ..., "detail": ...}``.
    """

    status_code = 400
    messages: dict = {}
    # Codes that answer with another status than ``status_code`` (403, 404, 409...).
    status_codes: dict = {}

    def __init__(self, code: str, detail: str | None = None):
        self.code = code
        self.detail = detail or str(self.messages.get(code, code))
        self.status_code = self.status_codes.get(code, type(self).status_code)
        super().__init__(f"{code}: {self.detail}")
