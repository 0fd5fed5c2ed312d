"""Start moto's server with the aiir plugin applied.

    python run_moto.py [--parent-pid PID] -H 127.0.0.1 -p PORT

With --parent-pid the server exits when that process is gone, so a test run that is killed
never leaves a moto behind.
"""
import os
import sys
import threading
import time


def _watch_parent(pid: int) -> None:
    while True:
        try:
            os.kill(pid, 0)
        except OSError:
            os._exit(0)
        time.sleep(0.5)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import aiir_moto  # noqa: E402

aiir_moto.apply()

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "--parent-pid":
        threading.Thread(target=_watch_parent, args=(int(args[1]),), daemon=True).start()
        args = args[2:]
    main(args)
