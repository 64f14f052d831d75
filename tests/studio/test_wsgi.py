"""The WSGI entry point gunicorn loads."""

import gc
import importlib
import sys


def test_the_wsgi_module_leaves_what_it_loaded_out_of_garbage_collection():
    gc.unfreeze()
    sys.modules.pop("studio.wsgi", None)
    try:
        module = importlib.import_module("studio.wsgi")
        assert callable(module.application)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
