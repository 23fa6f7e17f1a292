"""Constants shared by the SDK and the CLI; importing this module loads nothing else."""

DEFAULT_BASE_URL = "https://api.onepin.ai"
"""Where the OnePin API lives."""

KEY_PREFIX = "op_live_"
"""The prefix of every API key."""
