"""Why a backup or a restore was refused; the message is meant for the operator at the command line."""


class BackupError(Exception):
    """A backup could not be written."""


class RestoreRefused(Exception):
    """A restore was refused before anything was changed."""


class RestoreVerificationFailed(Exception):
    """The data was restored but does not match the backup's manifest or the ledger check."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("the restored data does not match the backup:\n  " + "\n  ".join(problems))
