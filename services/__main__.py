import sys

from services.launch import main

sys.exit(main(sys.argv[1:]))
