"""Paths shared by the project's Python scripts."""
import os
from pathlib import Path


def default_model_dir() -> Path:
    """$RUMORCONTROL_MODEL_DIR, else $XDG_CACHE_HOME (or ~/.cache)/rumorcontrol/all-MiniLM-L6-v2, as rumorctl and
    scripts/fetch-model.sh use."""
    env = os.environ.get("RUMORCONTROL_MODEL_DIR")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "rumorcontrol" / "all-MiniLM-L6-v2"
