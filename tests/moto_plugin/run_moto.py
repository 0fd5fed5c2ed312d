"""Start moto's server with the aiir plugin applied: python run_moto.py -H 127.0.0.1 -p PORT."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import aiir_moto  # noqa: E402

aiir_moto.apply()

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:])
