import sys

from portsim.cli import main

sys.exit(main())
