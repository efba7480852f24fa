import sys

from localcloud.demo import main

sys.exit(main())
