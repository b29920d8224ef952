"""Directories that cannot be written, for one command (Python 3 standard
library only).

ro_argv(dirs, argv) runs argv in a private mount namespace (unshare(1))
where each directory of dirs is a read-only bind mount of itself: the
command sees the same files, every write below them fails with EROFS,
and nothing outside that one command changes. Tests use it to inject "the
state file (or state_dir) cannot be written" from outside the program
under test, which runs as root (so file modes would not stop it).
"""
import os
import shlex
import subprocess


def ro_argv(dirs, argv):
    """argv, run with every directory of dirs read-only."""
    if not dirs:
        return list(argv)
    script = "".join(f"mount --bind {shlex.quote(d)} {shlex.quote(d)} && "
                     f"mount -o remount,bind,ro {shlex.quote(d)} && "
                     for d in dirs) + 'exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            script, "sh"] + list(argv)


def available(scratch):
    """Whether ro_argv works here (root, unshare and mount allowed);
    scratch is a directory the check may create files in."""
    probe = os.path.join(scratch, "ro-probe")
    os.makedirs(probe, exist_ok=True)
    try:
        r = subprocess.run(ro_argv([probe], ["sh", "-c",
                                             f"! touch {probe}/x"]),
                           capture_output=True, text=True, timeout=20)
    except OSError:
        return False
    return r.returncode == 0 and not os.path.exists(f"{probe}/x")
