"""Where huggingface_hub's constants put the token file, with Python's own posixpath and
ntpath: one JSON case per line on stdin ({"env": {...}}), one JSON answer per line on stdout
({"posix": [token_path, stored_tokens_path], "nt": [...]}).

Both modules run here whatever the system. ntpath reads `os.environ` as Windows has it: names
upper-cased, so lookups ignore case. The user database is a fixed table, for posixpath's
`~user`.
"""

import json
import ntpath
import posixpath
import sys
import types

USERS = {"bob": "/home/bob/", "root": "/root"}
CURRENT = "/home/pw"


class Pwd(types.ModuleType):
    class _Entry:
        def __init__(self, home):
            self.pw_dir = home

    def getpwnam(self, name):
        if name not in USERS:
            raise KeyError(name)
        return self._Entry(USERS[name])

    def getpwuid(self, uid):
        return self._Entry(CURRENT)


sys.modules["pwd"] = Pwd("pwd")


class WindowsEnviron(dict):
    def __init__(self, pairs):
        super().__init__((k.upper(), v) for k, v in pairs.items())

    def __getitem__(self, key):
        return super().__getitem__(key.upper())

    def __contains__(self, key):
        return super().__contains__(key.upper())

    def get(self, key, default=None):
        return super().get(key.upper(), default)


def shim(environ):
    import os

    return types.SimpleNamespace(
        environ=environ,
        fspath=os.fspath,
        fsencode=os.fsencode,
        fsdecode=os.fsdecode,
        getuid=lambda: 0,
        name="shim",
    )


def is_true(value):
    return value is not None and value.upper() in {"1", "ON", "YES", "TRUE"}


def constants(mod, environ):
    """huggingface_hub/constants.py, with `mod` as os.path and `environ` as os.environ."""
    mod.os = shim(environ)
    getenv = environ.get
    default_home = mod.join(mod.expanduser("~"), ".cache")
    hf_home = mod.expandvars(
        mod.expanduser(getenv("HF_HOME", mod.join(getenv("XDG_CACHE_HOME", default_home), "huggingface")))
    )
    token_path = mod.expandvars(mod.expanduser(getenv("HF_TOKEN_PATH", mod.join(hf_home, "token"))))
    stored = mod.join(mod.dirname(token_path), "stored_tokens")
    if is_true(getenv("HUGGINGFACE_CO_STAGING")):
        staging_home = mod.join(mod.expanduser("~"), ".cache", "huggingface_staging")
        token_path = mod.join(staging_home, "token")
    return [token_path, stored]


for line in sys.stdin:
    env = json.loads(line)["env"]
    answer = {
        "posix": constants(posixpath, dict(env)),
        "nt": constants(ntpath, WindowsEnviron(env)),
    }
    print(json.dumps(answer), flush=True)
