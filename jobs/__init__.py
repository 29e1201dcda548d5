"""Background jobs: `jobs.start(kind=..., user=..., region=..., task=..., **args)`; see jobs.services."""


def start(**kwargs):
    from .services import start as _start

    return _start(**kwargs)


def progress(percent, message=""):
    from .services import progress as _progress

    _progress(percent, message)
