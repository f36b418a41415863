"""The one error a user can cause: it reaches the CLI and prints `irqlab: <what> (<fix>)`."""


class IrqlabError(Exception):
    """Something the user can fix: a bad path, a bad option, a program that can't run."""

    def __init__(self, problem: str, fix: str = "") -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem} ({fix})" if fix else problem)
