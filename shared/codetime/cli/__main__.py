import sys

from codetime.cli import main

sys.exit(main())
