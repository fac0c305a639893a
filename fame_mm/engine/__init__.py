"""Runner-side components: hooks registered in mmaction2's ``HOOKS``."""
from .hooks import *  # noqa: F401,F403
