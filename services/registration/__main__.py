import sys

from contracts.topology import REGISTRATION
from services.launch import main

sys.exit(main([REGISTRATION]))
