"""Runner-side components: hooks, runner and loop in mmaction2's registries."""
from .hooks import *  # noqa: F401,F403
from .runner import *  # noqa: F401,F403
